"""Continued multilingual masked-language modelling during intermediate training (stilts-mlm).

- `settings`: the `mlm` settings section (defaults, validation, languages) — pure, no torch;
- `sampling`: per-language shares q_i ∝ p_i^α and the token budget split — pure numpy;
- `corpus`: multilingual text from the Hub (parquet), `--data-dir` copies, fixtures or local files;
- `masking`: packing whole examples to the max length, 15 % masking with 80/10/10 — numpy;
- `perplexity`: held-out MLM loss and per-language perplexity of a model;
- `objective`: MLM as one objective of the multi-objective loop (`ablate.mixing`);
- `phase`: the runner of the `mlm_intermediate` phase.
"""
