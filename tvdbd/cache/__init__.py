"""Response caching across worker processes: change marks and the encoded-response cache."""
