"""What sits between the socket and the routes: the protocol edge (JSON for malformed
requests, deadlines, header size), limits, compression, conditional requests, caching
headers, the wire normalizer and the access log — every middleware in one place."""
