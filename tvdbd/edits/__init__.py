"""Local edits: the one path by which the edit API, the CLI and the pages change a record.

`changes` validates typed changes against the record specs and stores them as revisions
(`history` lists and reverts them); `locking` locks and unlocks fields; `incoming` keeps
locked fields when an import, sync, mirror or read-through refresh stores a series; `kept`
writes locks and history into export bundles and restores them. docs/edits.md tells it all.

Nothing is imported here: tvdbd.bundles.importer imports `incoming`, which must not pull in
the modules that import the importer back.
"""
