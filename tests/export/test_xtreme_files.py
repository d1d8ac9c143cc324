"""The line formats of XTREME's evaluate.py readers, written by ablate.export.xtreme_files."""

from __future__ import annotations

import json

import pytest

from ablate.errors import AblateError
from ablate.export import xtreme_files as files
from tests import xtreme_rescore


def test_tags_round_trip_through_evaluate_py_reader_including_an_empty_sentence(tmp_path):
    sentences = [["NOUN", "VERB"], [], ["X"]]
    path = tmp_path / "t.tsv"
    path.write_text(files.tag_lines(sentences))
    assert xtreme_rescore.read_tag(path) == sentences


def test_labels_pairs_and_squad(tmp_path):
    (tmp_path / "l.tsv").write_text(files.label_lines(["entailment", 3]))
    assert xtreme_rescore.read_label(tmp_path / "l.tsv") == ["entailment", "3"]
    assert files.pair_lines({("de-2", "en-1"), ("de-1", "en-9")}) == "de-1\ten-9\nde-2\ten-1\n"
    labels = json.loads(files.squad_labels(["q1"], [["Paris", "the city"]]))
    assert labels["version"] == "1.1"
    assert [a["text"] for a in labels["data"][0]["paragraphs"][0]["qas"][0]["answers"]] == ["Paris", "the city"]
    assert json.loads(files.squad_predictions(["q1", "q2"], ["Paris", None])) == {"q1": "Paris"}
    scores = xtreme_rescore.qa_scores(labels["data"], {"q1": "paris!"}, None)
    assert scores == {"exact_match": 100.0, "f1": 100.0}


def test_a_tab_inside_an_item_is_refused():
    with pytest.raises(AblateError, match="tab or line break"):
        files.label_lines(["a\tb"])
