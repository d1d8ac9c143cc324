"""Sentence splitting keeps the text intact and does not split at abbreviations."""

from __future__ import annotations

from ablate.mt.segment import joiner, sentence_spans, split


def test_splits_sentences_and_keeps_offsets():
    text = "Dr. Smith arrived at 5 p.m. He sat down!  Was it late? \"Yes.\" Then 3 people left."
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == ["Dr. Smith arrived at 5 p.m. He sat down!", "Was it late?", "\"Yes.\"",
                      "Then 3 people left."]


def test_no_split_before_lowercase_or_inside_initials():
    assert len(sentence_spans("The U.S. Army won. It was e.g. fine.")) == 2
    assert len(sentence_spans("He paid 3.5 dollars. ok then.")) == 1
    assert len(sentence_spans("J. R. R. Tolkien wrote it.")) == 1


def test_cjk_and_edge_cases():
    assert split("我来了。你好吗？好。") == ["我来了。", "你好吗？", "好。"]
    assert sentence_spans("   ") == []
    assert split("") == [""]
    assert split("A short one. Another.", max_chars=100) == ["A short one. Another."]
    assert split("A short one. Another.", max_chars=5) == ["A short one.", "Another."]
    assert joiner("zh") == "" and joiner("ja") == "" and joiner("de") == " "
