"""The drop-in mode's TLS: a name-constrained local CA, the server certificate it signs, how to
trust it on each platform, and the name records that point TheTVDB's names at tvdbd."""
