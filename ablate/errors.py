"""The one exception type users see, and the did-you-mean helper every lookup uses.

The CLI turns an `AblateError` into a red message and exit code 2; any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AblateError(Exception):
    """Bad input or an unusable environment: the message says what was wrong and what is valid."""


class MissingFiles(AblateError):
    """Local files a dataset needs are absent: which ones and how to get them, kept apart so a
    preflight can name every missing file of a run in one message (`combined`)."""

    def __init__(self, dataset: str, paths: Iterable, how: str):
        self.dataset, self.paths, self.how = dataset, [str(p) for p in paths], how
        super().__init__(f"{dataset} file(s) missing: {', '.join(self.paths)}. {how}")

    @staticmethod
    def combined(errors: Iterable[MissingFiles]) -> MissingFiles | AblateError:
        """One error for several: the paths of each dataset merged, its guidance said once."""
        merged: dict[str, MissingFiles] = {}
        for e in errors:
            into = merged.setdefault(e.dataset, MissingFiles(e.dataset, [], e.how))
            into.paths += [p for p in e.paths if p not in into.paths]
        parts = [MissingFiles(m.dataset, m.paths, m.how) for m in merged.values()]  # messages rebuilt
        return parts[0] if len(parts) == 1 else AblateError(" ".join(str(m) for m in parts))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def unknown(kind: str, word: str, choices: Iterable[str]) -> AblateError:
    """`Unknown task 'mnlii'. Did you mean 'mnli'? Available: ...` as an AblateError."""
    choices = sorted(choices)
    return AblateError(
        f"Unknown {kind} '{word}'.{did_you_mean(word, choices)} Available: {', '.join(choices)}."
    )
