"""overspec: executable proofs of the claims on over-specified two-layer networks."""

__version__ = "0.1.0"
