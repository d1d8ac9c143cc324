"""The smoke versions of all five studies, really trained offline on the shipped fixtures, in one
output directory (the phase cache shares what the studies have in common): each runs, resumes
without redoing anything and writes its report. Slow (tens of minutes on 2 cores): `-m slow`."""

from __future__ import annotations

import json

import pytest

from ablate.studies import matrix, spec
from tests.studies.conftest import main

STUDIES = ("typology", "multilingual", "volume", "granularity", "size")
# what each report must contain for its question (keys of report.json's "results")
RESULT = {"typology": "lines", "volume": "trends", "size": "interactions"}


@pytest.mark.slow
def test_all_five_smoke_studies_run_offline_and_report(tmp_path, capsys):
    out = tmp_path / "runs"
    for name in STUDIES:
        n = len(matrix.build(spec.load(name), "smoke").requests)
        assert main("study", "run", name, "--preset", "smoke", "-o", str(out), "-q") == 0, name
        assert main("study", "run", name, "--preset", "smoke", "-o", str(out), "-q") == 0, name
        assert f"{n} of {n} runs done, running 0" in capsys.readouterr().out, name  # resumed: nothing redone
        rep = tmp_path / f"report-{name}"
        assert main("study", "report", name, "--preset", "smoke", "-o", str(out), "--out", str(rep), "-B", "500") == 0, name
        data = json.loads((rep / "report.json").read_text())
        assert data["runs"]["finished"] == n and data["runs"]["missing"] == [], name
        assert (rep / "report.md").read_text().startswith(f"# ablate study {name} (smoke)")
        results = data["results"]
        if name in RESULT:
            assert results[RESULT[name]], name
        else:  # gains per group / arm, one block per model
            assert results["tiny-xlmr"]["lines"], name
