"""The analyses of the studies: pure numpy/scipy functions over documented arrays.

Each returns numbers together with what the data can and cannot support (a sentence, not a
bare number) and how many seeds or languages a useful answer would need. Nothing here reads
MLflow or draws figures (ablate.studies.report and ablate.studies.figures do).
"""
