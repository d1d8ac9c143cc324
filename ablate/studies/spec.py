"""Study specs: TOML files shipped in ablate/studies/specs/ (or any path), validated up front.

A spec names the question, its analysis and two grids: `paper` (the full-scale design) and
`smoke` (tiny, offline, seconds per run). A grid lists recipes, intermediate tasks (`@group`
allowed, see ablate.tasks.groups), the multitask recipe's task sets (`task_sets = [["mnli",
"@span"]]`, one run per set), targets, models, seeds, optional `axes` (a setting path -> the
values to sweep, e.g. `"intermediate.*.max_train_examples" = [100, 1000]`) and optional
`settings` (fixed, in the `--set` layer format). An axis sweeps only the recipes that read it:
`intermediate.*` and `mt.*` the recipes that train one intermediate task, `multitask.*` the
multitask recipe (ablate.studies.matrix). Names of features this version does not have
yet are listed in `requires` ("recipe:multitask", "task:xnli_translate_train", ...): their part
of the grid is left out and `study plan` says so, instead of failing later.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ablate.errors import AblateError, did_you_mean, unknown

ANALYSES = ("granularity", "arms", "size", "volume", "typology")
GRID_KEYS = ("recipes", "tasks", "task_sets", "targets", "models", "seeds", "axes", "settings")
TOP_KEYS = ("name", "question", "analysis", "requires", "options", "paper", "smoke")
REQUIREMENT_KINDS = ("recipe", "task", "target", "metric")
KNOWN_HUB_MODELS = ("xlm-roberta-base", "xlm-roberta-large", "bert-base-multilingual-cased")


@dataclass(frozen=True)
class Grid:
    recipes: tuple[str, ...]
    tasks: tuple[str, ...]
    targets: tuple[str, ...]
    models: tuple[str, ...]
    seeds: tuple[int, ...]
    axes: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    task_sets: tuple[tuple[str, ...], ...] = ()  # the multitask recipe's --tasks, one run per set


@dataclass(frozen=True)
class Spec:
    name: str
    question: str
    analysis: str
    path: Path
    grids: dict[str, Grid]  # preset -> grid
    requires: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # the analysis's own knobs

    def grid(self, preset: str) -> Grid:
        if preset not in self.grids:
            raise unknown(f"preset for study '{self.name}'", preset, self.grids)
        return self.grids[preset]

    def unavailable(self) -> list[str]:
        """The `requires` entries this version of ablate does not provide (yet)."""
        return [r for r in self.requires if not _provided(r)]


def _specs_dir():
    return resources.files("ablate.studies") / "specs"


def available() -> list[str]:
    return sorted(p.name[:-5] for p in _specs_dir().iterdir() if p.name.endswith(".toml"))


def load(name_or_path: str) -> Spec:
    """A shipped study by name, or a spec file by path (.toml)."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise AblateError(f"Study spec '{path}' does not exist (give a shipped study name: "
                              f"{', '.join(available())}, or a .toml file).")
        return parse(path.read_text(encoding="utf-8"), path)
    if name_or_path not in available():
        raise unknown("study", name_or_path, available())
    with resources.as_file(_specs_dir() / f"{name_or_path}.toml") as p:
        return parse(p.read_text(encoding="utf-8"), Path(p))


def parse(text: str, path: Path) -> Spec:
    where = f"Study spec {path.name}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise AblateError(f"{where} is not valid TOML: {e}.") from e
    _keys(data, TOP_KEYS, where)
    for key in ("name", "question", "analysis"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise AblateError(f"{where}: '{key}' must be a non-empty string.")
    if data["analysis"] not in ANALYSES:
        raise unknown(f"analysis (in {path.name})", data["analysis"], ANALYSES)
    requires = tuple(_strings(data.get("requires", []), "requires", where))
    for r in requires:
        kind, sep, name = r.partition(":")
        if not sep or kind not in REQUIREMENT_KINDS or not name:
            raise AblateError(f"{where}: requires entry '{r}' must be KIND:NAME with KIND one of "
                              f"{', '.join(REQUIREMENT_KINDS)} (e.g. recipe:multitask).")
    grids = {}
    for preset in ("paper", "smoke"):
        if preset not in data:
            raise AblateError(f"{where}: needs a [{preset}] grid (recipes, tasks, targets, models, seeds).")
        grids[preset] = _grid(data[preset], f"{where} [{preset}]", requires)
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise AblateError(f"{where}: [options] must be a table.")
    return Spec(data["name"], data["question"].strip(), data["analysis"], path, grids, requires, options)


def _grid(data: Any, where: str, requires: tuple[str, ...]) -> Grid:
    if not isinstance(data, dict):
        raise AblateError(f"{where} must be a table.")
    _keys(data, GRID_KEYS, where)
    for key in ("recipes", "targets", "models", "seeds"):
        if not data.get(key):
            raise AblateError(f"{where}: '{key}' must be a non-empty list.")
    seeds = data["seeds"]
    if not isinstance(seeds, list) or not all(isinstance(s, int) and s >= 0 for s in seeds) or len(set(seeds)) != len(seeds):
        raise AblateError(f"{where}: 'seeds' must be distinct integers >= 0, got {seeds!r}.")
    grid = Grid(tuple(_strings(data["recipes"], "recipes", where)), tuple(_strings(data.get("tasks", []), "tasks", where)),
                tuple(_strings(data["targets"], "targets", where)), tuple(_strings(data["models"], "models", where)),
                tuple(seeds), _axes(data.get("axes", {}), where), data.get("settings", {}),
                _task_sets(data.get("task_sets", []), where))
    _check_names(grid, where, requires)
    if not isinstance(grid.settings, dict):
        raise AblateError(f"{where}: 'settings' must be a table of settings (the --set layer format).")
    from ablate.config import resolve
    from ablate.studies.matrix import MULTITASK_ONLY, nested

    try:  # fixed settings must make a valid config on their own (names, types, ranges)
        resolve(None, None, grid.settings)
    except AblateError as e:
        raise AblateError(f"{where}: settings: {e}") from e
    from ablate.recipes import available, load as load_recipe

    with_task = [r for r in grid.recipes if r in available() and load_recipe(r).needs_task]
    if with_task and not grid.tasks:
        raise AblateError(f"{where}: recipes {', '.join(with_task)} train an intermediate task: list 'tasks' "
                          "(e.g. [\"mnli\"] or [\"@pair\"]).")
    with_sets = [r for r in grid.recipes if r in available() and load_recipe(r).takes_tasks]
    if with_sets and not grid.task_sets:
        raise AblateError(f"{where}: recipe {', '.join(with_sets)} trains several tasks at once: list 'task_sets' "
                          "(e.g. [[\"mnli\", \"squad\"]] or [[\"all\"]]).")
    if grid.task_sets and not with_sets:
        raise AblateError(f"{where}: 'task_sets' are read only by the multitask recipe, which 'recipes' does not list: "
                          "add \"multitask\" or drop 'task_sets'.")
    totals = [{}] + [{p: v} for p, values in grid.axes.items() if p.startswith(MULTITASK_ONLY) for v in values]
    for tasks in grid.task_sets:  # each set alone, and with every multitask axis value (a total >= its tasks)
        for extra in totals:
            try:
                resolve(None, None, nested({**extra, "multitask.tasks": list(tasks)}))
            except AblateError as e:
                raise AblateError(f"{where}: task set {list(tasks)}{''.join(f' with {p} = {v}' for p, v in extra.items())}: {e}") from e
    return grid


def _task_sets(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not all(isinstance(v, list) and v and all(isinstance(t, str) and t for t in v)
                                              for v in value):
        raise AblateError(f"{where}: 'task_sets' must be a list of task lists (names, @groups or \"all\"), "
                          f"e.g. [[\"mnli\", \"squad\"]], got {value!r}.")
    return tuple(tuple(v) for v in value)


def _axes(data: Any, where: str) -> dict[str, tuple]:
    from ablate.config import RunConfig
    from dataclasses import fields

    if not isinstance(data, dict):
        raise AblateError(f"{where}: 'axes' must be a table of SETTING = [values].")
    from ablate.config import resolve
    from ablate.studies.matrix import nested

    known = {f.name for f in fields(RunConfig)}
    out = {}
    for path, values in data.items():
        head = path.split(".")[0]
        if head not in known:
            raise AblateError(f"{where}: unknown axis setting '{path}'.{did_you_mean(head, known)} Settings start "
                              f"with one of: {', '.join(sorted(known))}.")
        if not isinstance(values, list) or not values or len(set(map(repr, values))) != len(values):
            raise AblateError(f"{where}: axis '{path}' needs a non-empty list of distinct values, got {values!r}.")
        for value in values:  # each value must make a valid config (field names, types, ranges)
            try:
                resolve(None, None, nested({path: value}))
            except AblateError as e:
                raise AblateError(f"{where}: axis '{path}' = {value!r}: {e}") from e
        out[path] = tuple(values)
    return out


def _check_names(grid: Grid, where: str, requires: tuple[str, ...]) -> None:
    """Every recipe, task, target and model exists, or is declared in `requires`."""
    from ablate.recipes import available as recipes
    from ablate.tasks import TARGET_GROUPS, TASKS
    from ablate.tasks.groups import GRANULARITY

    declared = set(requires)
    intermediate = [n for n, t in TASKS.items() if t.role == "intermediate"]
    targets = [n for n, t in TASKS.items() if t.role == "target"] + list(TARGET_GROUPS)
    checks = (("recipe", grid.recipes, recipes()), ("task", [t for t in grid.tasks if not t.startswith("@")], intermediate),
              ("target", grid.targets, targets))
    for kind, names, valid in checks:
        for name in names:
            if name not in valid and f"{kind}:{name}" not in declared:
                raise AblateError(f"{where}: unknown {kind} '{name}'.{did_you_mean(name, valid)} Available: "
                                  f"{', '.join(sorted(valid))} (or declare it in requires = [\"{kind}:{name}\"] "
                                  "if a later version provides it).")
    for name in grid.tasks:
        if name.startswith("@") and name[1:] not in GRANULARITY:
            raise unknown(f"task group (in {where})", name, [f"@{g}" for g in GRANULARITY])
    for model in grid.models:
        check_model(model, where)


def check_model(model: str, where: str) -> None:
    """A built-in tiny model, an existing directory, a known Hub model or an `org/name` Hub id."""
    from ablate.models import TINY_MODELS

    if model in TINY_MODELS or model in KNOWN_HUB_MODELS or Path(model).expanduser().is_dir():
        return
    if "/" in model and not model.startswith((".", "/", "~")) and model.count("/") == 1:
        return  # an organisation's Hub id: checked when it is loaded
    valid = [*TINY_MODELS, *KNOWN_HUB_MODELS]
    raise AblateError(f"{where}: unknown model '{model}'.{did_you_mean(model, valid)} Use one of "
                      f"{', '.join(valid)}, an ORG/NAME Hub id, or an existing model directory.")


def _provided(requirement: str) -> bool:
    from ablate.recipes import available as recipes
    from ablate.tasks import TARGET_GROUPS, TASKS

    kind, _, name = requirement.partition(":")
    if kind == "recipe":
        return name in recipes()
    if kind == "task":
        return TASKS.get(name) is not None and TASKS[name].role == "intermediate"
    if kind == "target":
        return name in TARGET_GROUPS or (TASKS.get(name) is not None and TASKS[name].role == "target")
    return False  # metrics are known to be present only once runs have logged them


def _keys(data: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise unknown(f"key (in {where})", key, allowed)


def _strings(value: Any, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AblateError(f"{where}: '{key}' must be a list of names, got {value!r}.")
    return value
