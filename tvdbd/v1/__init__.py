"""TheTVDB's legacy XML API ("v1", `/api/...`) served from the same catalogue as v2.

`routes` is the route table (contract §2, `docs/v1-contract.md` of the shared reference), one
module per record type renders XML field by field, `answers` caches what they render, and
`errors` is the one place v1 errors are rendered (Apache-style pages, never JSON).
"""
