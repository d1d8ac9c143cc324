"""The one exception type users see, and the did-you-mean helper every lookup uses.

The CLI turns an `AblateError` into a red message and exit code 2; any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AblateError(Exception):
    """Bad input or an unusable environment: the message says what was wrong and what is valid."""


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
