"""A fake MT backend shared by the tests and the killed-subprocess test."""

from __future__ import annotations


class FakeBackend:
    """Deterministic stand-in for CTranslate2 that records every call.

    modes: "upper" (uppercase), "reverse" (reverse word order + uppercase: moves text around,
    breaks multi-word answer markers), "lossy" (drops brackets; segments without final
    punctuation — e.g. answers — get a prefix, so they cannot be found in the context).
    """

    def __init__(self, mode: str = "upper", model_key: str = "fake-model@main"):
        self.mode = mode
        self.model_key = model_key
        self.calls: list[list[str]] = []

    @property
    def translated(self) -> list[str]:
        return [s for call in self.calls for s in call]

    def one(self, text: str) -> str:
        if self.mode == "reverse":
            return " ".join(reversed(text.split())).upper()
        if self.mode == "lossy":
            out = text.replace("[", "").replace("]", "").upper()
            return out if out.rstrip().endswith((".", "?", "!")) else "ZZ " + out
        return text.upper()

    def translate(self, segments, lang, advance=None):
        self.calls.append(list(segments))
        if advance:
            advance(len(segments))
        return [self.one(s) for s in segments]
