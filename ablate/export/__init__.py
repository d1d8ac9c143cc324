"""Exports of tracked runs into other tools' file layouts (`ablate export ...`).

- `xtreme`: XTREME's leaderboard submission layout plus the gold it was scored against, so
  google-research/xtreme `evaluate.py` re-scores a run (docs/export.md).
"""
