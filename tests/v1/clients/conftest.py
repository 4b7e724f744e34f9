"""The clients installed for the v1 tests bring their own test suites: not ours to run."""

collect_ignore = ["python/site", "node/node_modules"]
