"""A transparency log in standard formats: RFC 9162 Merkle trees, C2SP checkpoints, notes,
cosignatures and tiles. Framework-free, so that a verifier needs nothing of the site."""
