"""The repository's own docs hold what users need: no reference to documents outside the
repository, the README's doc links resolve, and docs/paper.md states what the checklist judges."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ("PAPER.md", "DATASETS.md", "STATISTICS.md", "ENVIRONMENT.md")


def test_nothing_cites_documents_outside_the_repository():
    files = [ROOT / "README.md", *(p for d in ("ablate", "recipes", "data_cards", "benchmarks", "docs", "tests")
                                   for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".md"))]
    me = Path(__file__).resolve()
    found = [f"{p.relative_to(ROOT)}: {name}" for p in files if p.resolve() != me
             for name in OUTSIDE if name in p.read_text(encoding="utf-8")]
    assert not found, found


def test_readme_doc_links_resolve():
    links = re.findall(r"\]\((docs/[^)#]+)", (ROOT / "README.md").read_text())
    assert {"docs/paper.md", "docs/conventions.md"} <= set(links)
    for link in links:
        assert (ROOT / link).is_file(), link


def test_paper_doc_states_every_claim_the_checklist_judges():
    from ablate.reports.claims import CLAIMS

    text = (ROOT / "docs" / "paper.md").read_text()
    for claim in CLAIMS:
        assert f"`{claim.id}`" in text, claim.id
        if claim.figure is not None:
            assert f"+{claim.figure}" in text, claim.id
    conventions = (ROOT / "docs" / "conventions.md").read_text()
    for topic in ("XQuAD", "TyDiQA", "gold pairs", "seqeval", "XTREME score"):
        assert topic in conventions, topic
