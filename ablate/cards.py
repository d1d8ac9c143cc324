"""Data cards: parse `data_cards/<name>.md` and validate loaded data against them.

A card is Markdown with YAML front matter (name, hub_id, config, revision, license, citation,
languages, splits, features, label_names, used_as, verified, unverified) followed by prose.
Features are written as compact type strings (`describe_features`), so a loader can compare
what it loaded with what the card promises and fail with a message naming the drift.

    python -c "from ablate.cards import load_card; print(load_card('xnli').features)"
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ablate import languages
from ablate.errors import AblateError, did_you_mean, unknown

# The repo's data_cards/ (next to the package in a checkout / editable install); a wheel does not
# ship it, so ABLATE_CARDS_DIR can point elsewhere.
_DEFAULT_CARDS_DIR = Path(__file__).resolve().parent.parent / "data_cards"
CARDS_DIR = Path(os.environ.get("ABLATE_CARDS_DIR", _DEFAULT_CARDS_DIR))

REQUIRED_KEYS = ("name", "hub_id", "config", "revision", "license", "citation", "languages",
                 "splits", "features", "label_names", "used_as", "verified")
TEMPLATES = ("translated_template",)  # cards that describe a *kind* of data, not one dataset


@dataclass(frozen=True)
class DataCard:
    """One parsed data card. `splits` maps split -> rows in the real Hub dataset: an int, a
    {lang: int} mapping, or a string note when sizes are not recorded."""

    name: str
    hub_id: str | None
    config: str | None              # a config name, or a pattern such as "PAWS-X.{lang}"
    revision: str | None            # None = unpinned (the Hub's main branch)
    license: str
    citation: str
    languages: tuple[str, ...]
    splits: dict[str, Any]
    features: dict[str, Any]        # column -> compact type string (nested dict for structs)
    label_names: dict[str, list[str]]
    used_as: tuple[str, ...]
    verified: bool
    unverified: tuple[str, ...] = ()
    body: str = ""                  # the Markdown prose after the front matter
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # any further front-matter keys

    def config_for(self, lang: str | None = None) -> str | None:
        """The Hub config for a language: fills {lang}, {name} (UD-POS), {code3} (Tatoeba) and
        {flores} (FLORES+)."""
        if self.config is None or "{" not in self.config:
            return self.config
        if lang is None:
            raise AblateError(f"Data card '{self.name}': config '{self.config}' needs a language.")
        if lang not in self.languages:
            raise unknown(f"language of '{self.name}'", lang, self.languages)
        return self.config.format(lang=lang, name=languages.UDPOS_NAMES.get(lang, ""),
                                  code3={**languages.TATOEBA_CODES, **languages.TATOEBA_CODES_R}.get(lang, ""),
                                  flores=languages.FLORES_PLUS_CODES.get(lang, ""))

    @property
    def text(self) -> str:
        """The whole card file (what `ablate tasks --card NAME` prints)."""
        return self.path.read_text(encoding="utf-8") if self.path else self.body


def list_cards(cards_dir: Path | None = None) -> list[str]:
    """Names of all cards (file stems), templates included, sorted."""
    directory = Path(cards_dir or CARDS_DIR)
    return sorted(p.stem for p in directory.glob("*.md")) if directory.is_dir() else []


def split_front_matter(text: str, where: str = "card") -> tuple[dict[str, Any], str]:
    """(front matter as a dict, Markdown body) of a '---'-delimited document."""
    if not text.startswith("---\n"):
        raise AblateError(f"{where}: does not start with a '---' YAML front-matter line.")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise AblateError(f"{where}: the YAML front matter is not closed by a '---' line.")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise AblateError(f"{where}: invalid YAML front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise AblateError(f"{where}: the front matter must be a mapping, got {type(meta).__name__}.")
    return meta, text[end + len("\n---\n"):]


@functools.lru_cache(maxsize=None)  # cards are read-only while ablate runs; loaders ask often
def load_card(name: str, cards_dir: Path | None = None) -> DataCard:
    """Parse `data_cards/<name>.md`; unknown names raise with did-you-mean and the list."""
    directory = Path(cards_dir or CARDS_DIR)
    path = directory / f"{name}.md"
    if not path.is_file():
        if not directory.is_dir():
            raise AblateError(f"No data-card directory at {directory}; set ABLATE_CARDS_DIR.")
        raise unknown("data card", name, list_cards(directory))
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), where=str(path))
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise AblateError(f"Data card {path} lacks required keys: {', '.join(missing)}.")
    if meta["name"] != name:
        raise AblateError(f"Data card {path} is named '{meta['name']}', expected '{name}'.")
    unverified = tuple(meta.get("unverified") or ())
    if meta["verified"] is not True and not unverified:
        raise AblateError(f"Data card {path}: verified is not true, so 'unverified' must say what.")
    if name not in TEMPLATES:  # a template holds "{{placeholders}}" where values will go
        _check_types(meta, path)
    used_as = meta["used_as"]
    known = set(REQUIRED_KEYS) | {"unverified"}
    return DataCard(
        name=meta["name"], hub_id=meta["hub_id"], config=meta["config"], revision=meta["revision"],
        license=str(meta["license"]), citation=str(meta["citation"]).strip(),
        languages=tuple(_or_empty(meta["languages"], list)),
        splits=dict(_or_empty(meta["splits"], dict)),
        features=dict(_or_empty(meta["features"], dict)),
        label_names=dict(_or_empty(meta["label_names"], dict)),
        used_as=(used_as,) if isinstance(used_as, str) else tuple(used_as),
        verified=meta["verified"] is True, unverified=unverified, body=body, path=path,
        extra={k: v for k, v in meta.items() if k not in known},
    )


_TYPES = {"languages": list, "splits": dict, "features": dict, "label_names": dict}


def _or_empty(value: Any, kind: type) -> Any:
    return value if isinstance(value, kind) else kind()


def _check_types(meta: dict[str, Any], path: Path) -> None:
    wrong = [f"{key} should be a {kind.__name__}" for key, kind in _TYPES.items()
             if not isinstance(meta[key], kind)]
    if not isinstance(meta["verified"], bool):
        wrong.append("verified should be true or false")
    if wrong:
        raise AblateError(f"Data card {path}: {'; '.join(wrong)}.")


def _config_matches(pattern: str | None, config: str | None) -> bool:
    if pattern is None or config is None:
        return pattern == config
    regex = re.escape(pattern)
    for placeholder in ("lang", "name", "code3", "flores"):
        regex = regex.replace(re.escape("{" + placeholder + "}"), r"[^.]+")
    return re.fullmatch(regex, config) is not None


@functools.lru_cache(maxsize=None)
def find_card(hub_id: str, config: str | None, cards_dir: Path | None = None) -> DataCard:
    """The card describing a Hub (id, config), e.g. ('google/xtreme', 'PAWS-X.de') -> pawsx."""
    cards = [load_card(n, cards_dir) for n in list_cards(cards_dir) if n not in TEMPLATES]
    for card in cards:
        if card.hub_id == hub_id and _config_matches(card.config, config):
            return card
    raise AblateError(f"No data card describes {hub_id} / {config}. Cards: "
                      + ", ".join(f"{c.name} ({c.hub_id} / {c.config})" for c in cards) + ".")


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_QUOTED = re.compile(r'"\{\{(\w+)\}\}"')


def fill_template(values: dict[str, Any], template: str = "translated_template",
                  cards_dir: Path | None = None) -> str:
    """The text of a card made from a template: a quoted `"{{field}}"` (front matter) becomes
    values[field] as JSON (valid YAML: strings, numbers, lists, mappings), a bare `{{field}}`
    (prose) becomes str(values[field]); values['name'] names the new card."""
    text = (Path(cards_dir or CARDS_DIR) / f"{template}.md").read_text(encoding="utf-8")
    fields = sorted(set(_PLACEHOLDER.findall(text)) | {"name"})
    missing = [f for f in fields if f not in values]
    if missing:
        raise AblateError(f"Template '{template}' needs values for: {', '.join(missing)}.")
    text = text.replace(f"name: {template}\n", f"name: {values['name']}\n", 1)
    text = _QUOTED.sub(lambda m: json.dumps(values[m.group(1)], ensure_ascii=False), text)
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


# --- features -------------------------------------------------------------------------------------

def describe_feature(feature: Any) -> Any:
    """One `datasets` feature as a compact type: 'string', 'int32', 'class_label[a,b]',
    'list<string>', or a dict for a struct (a Hub `Sequence` of a dict is a dict of lists)."""
    from datasets import ClassLabel, LargeList, List, Value

    if isinstance(feature, str):  # already compact
        return feature
    if isinstance(feature, dict):
        return {key: describe_feature(value) for key, value in feature.items()}
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, ClassLabel):
        return f"class_label[{','.join(feature.names)}]"
    if isinstance(feature, (List, LargeList)):
        inner = describe_feature(feature.feature)
        if isinstance(inner, dict):  # a list of structs
            inner = "{" + ", ".join(f"{k}: {v}" for k, v in inner.items()) + "}"
        prefix = "large_list" if isinstance(feature, LargeList) else "list"
        return f"{prefix}<{inner}>"
    return type(feature).__name__


def describe_features(features: Any) -> dict[str, Any]:
    """`datasets.Features` -> {column: compact type} (the notation data cards use); an already
    compact mapping passes through unchanged."""
    return {column: describe_feature(feature) for column, feature in features.items()}


def _label_names(compact: Any) -> list[str] | None:
    if isinstance(compact, str):
        inner = compact.removeprefix("list<").removesuffix(">")
        if inner.startswith("class_label[") and inner.endswith("]"):
            return inner[len("class_label["):-1].split(",")
    return None


def _drift(expected: Any, actual: Any, path: str) -> list[str]:
    """Human-readable differences between two compact feature descriptions."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = []
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing:
            problems.append(f"missing column(s) {', '.join(f'{path}{k}' for k in missing)}"
                            + "".join(did_you_mean(k, extra) for k in missing[:1]))
        if extra:
            problems.append(f"unexpected column(s) {', '.join(f'{path}{k}' for k in extra)}")
        for key in expected:
            if key in actual:
                problems.extend(_drift(expected[key], actual[key], f"{path}{key}."))
        return problems
    if expected == actual:
        return []
    column = path.rstrip(".")
    want, got = _label_names(expected), _label_names(actual)
    if want is not None and got is not None:
        return [f"label names of '{column}' differ: card {want}, data {got}"]
    return [f"'{column}' has type {actual!r}, card says {expected!r}"]


def check_features(card: DataCard, features: Any, *, columns: list[str] | None = None) -> None:
    """Raise AblateError naming every drift between the card's features and loaded `features`
    (missing/extra columns, wrong dtype, different label names). `columns` restricts the check
    to those columns (extra columns are then ignored)."""
    actual = describe_features(features)
    expected = dict(card.features)
    if columns is not None:
        unknown_columns = [c for c in columns if c not in expected]
        if unknown_columns:
            raise AblateError(f"Data card '{card.name}' has no column(s) {unknown_columns}. "
                              f"Columns: {', '.join(expected)}.")
        expected = {c: expected[c] for c in columns}
        actual = {c: actual[c] for c in actual if c in expected}
    problems = _drift(expected, actual, "")
    if problems:
        where = f"{card.hub_id}/{card.config}" if card.hub_id else card.name
        raise AblateError(
            f"Loaded data does not match data card '{card.name}' ({where}): "
            + "; ".join(problems) + ". The Hub copy may have changed: pin `revision` in the card "
            "or update the card and the fixtures (python -m ablate.fixtures.generate)."
        )


# --- sizes -----------------------------------------------------------------------------------------

def expected_size(card: DataCard, split: str, lang: str | None = None) -> int | None:
    """Rows of a full split per the card, or None when the card records no number."""
    if split not in card.splits:
        raise AblateError(f"Data card '{card.name}' has no split '{split}'."
                          f"{did_you_mean(split, card.splits)} Splits: {', '.join(card.splits)}.")
    value = card.splits[split]
    if isinstance(value, dict):
        if lang is None:
            raise AblateError(f"Data card '{card.name}': split '{split}' sizes are per language; "
                              "pass lang=.")
        if lang not in value:
            return None
        value = value[lang]
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_size(card: DataCard, split: str, n_rows: int, lang: str | None = None) -> bool:
    """Compare a fully loaded split's row count with the card; raise AblateError on a mismatch.
    Returns False (nothing checked) when the card records no size for it, else True."""
    expected = expected_size(card, split, lang)
    if expected is None:
        return False
    if n_rows != expected:
        which = f"split '{split}'" + (f" [{lang}]" if lang else "")
        raise AblateError(
            f"Data card '{card.name}': {which} should have {expected:,} rows, loaded {n_rows:,}. "
            "A partial or changed download? Pin `revision` or update the card."
        )
    return True
