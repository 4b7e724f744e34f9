"""What grew between two tracemalloc snapshots: ``compare.py A.snap B.snap [TOP]``."""

import sys
import tracemalloc

IGNORED = [
    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    tracemalloc.Filter(False, tracemalloc.__file__),
]


def main() -> None:
    before = tracemalloc.Snapshot.load(sys.argv[1]).filter_traces(IGNORED)
    after = tracemalloc.Snapshot.load(sys.argv[2]).filter_traces(IGNORED)
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    totals = [sum(s.size for s in snap.statistics("filename")) / 1e6 for snap in (before, after)]
    print(f"live Python memory: {totals[0]:.1f} MB -> {totals[1]:.1f} MB")
    for stat in after.compare_to(before, "traceback")[:top]:
        print(f"{stat.size_diff / 1e6:+.2f} MB (now {stat.size / 1e6:.2f} MB), "
              f"{stat.count_diff:+d} blocks")  # fmt: skip
        for line in stat.traceback.format()[-8:]:
            print("     ", line)


if __name__ == "__main__":
    main()
