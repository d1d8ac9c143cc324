"""ablate: reproducible ablations of cross-lingual intermediate-task training."""

__version__ = "0.1.0"
