"""Proofs read only emitted files: the order verifier, export validation and the run manifest."""
