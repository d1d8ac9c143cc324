"""XTREME-R's SQuAD sentence breaker (sb_sed.py), as ablate's port applies it.

The expected splits are what google-research/xtreme's third_party/processors/sb_sed.py returns
for these paragraphs (run once against it); each exercises one family of its rules.
"""

from __future__ import annotations

import pytest

from ablate.data.sentence_breaks import infer_sentence_breaks

CASES = [
    # SQuAD-specific join ("I Am... Sasha Fierce"), then the main split
    ("Beyoncé released I Am... Sasha Fierce in 2008. It sold well.",
     ["Beyoncé released I Am... Sasha Fierce in 2008.", "It sold well."]),
    # titles, initials and month abbreviations rejoined
    ("Mr. Smith met Dr. J. R. R. Tolkien in Jan. 1950. They talked.",
     ["Mr. Smith met Dr. J. R. R. Tolkien in Jan. 1950.", "They talked."]),
    # a Wikipedia scrap, a resplit before "However", an existing newline, "Warner Bros." rejoined
    ("The film [citation needed]. However, it failed.\nNew line here. Warner Bros. Records agreed.",
     ["The film [citation needed].", "However, it failed.", "New line here.", "Warner Bros. Records agreed."]),
    # closing quote kept with its sentence; "U.S. 100" rejoined; lower-case "e.g." never splits
    ('It was "great." The U.S. 100 list grew. e.g. this one.',
     ['It was "great."', "The U.S. 100 list grew. e.g. this one."]),
    # "c. 1900" rejoined; the SQuAD-specific split after "Washington, D.C."
    ("Born c. 1900 in Washington, D.C. He moved.", ["Born c. 1900 in Washington, D.C.", "He moved."]),
]


@pytest.mark.parametrize("text,sentences", CASES)
def test_breaks_match_xtreme_r_s_sb_sed(text, sentences):
    spans = list(infer_sentence_breaks(text))
    assert [text[s:e] for s, e in spans] == sentences
    assert all(0 <= s < e <= len(text) for s, e in spans)  # offsets into the original text
