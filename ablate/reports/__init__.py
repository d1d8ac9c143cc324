"""The report layer: `ablate compare` (paired significance) and `ablate checklist` (reproduction).

Reads runs only through ablate.records; statistics come from ablate.stats.
"""
