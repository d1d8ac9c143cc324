"""Studies: a research question as data (a TOML spec), its run matrix, its plan and its analysis.

    ablate study list
    ablate study plan typology --preset smoke
    ablate study run typology --preset smoke -o runs/
    ablate study report typology --preset smoke -o runs/ --out typology-report/

Flow: spec (ablate.studies.spec) -> RunRequests (ablate.studies.matrix) -> what is done, missing
and to build (ablate.studies.planning) -> `ablate run`'s executor for each missing run ->
observations read back from MLflow (ablate.studies.observations) -> one analysis
(ablate.studies.analyses) -> files and a report run (ablate.studies.report).
"""
