"""The code part of a phase key: a digest of the source that produces the phase's output.

Rule (static, so `ablate plan` imports nothing heavy): start at the runner's module, follow every
`import ablate.x` / `from ablate.x import y` / relative import anywhere in a module (imports
inside functions included), plus string constants naming an ablate module ("ablate.data.ccg:fn",
how data readers are registered; not in the runner table of `ablate.phases`, which names every
runner: each kind starts at its own; a computed name such as f"ablate.tasks.{family}" covers
every module of that package), to a closed set of files under the package; hash each
file's bytes with its package-relative path. Editing any file in that set changes the key of
every phase whose runner reaches it; editing a file it does not reach (the CLI, reports) does
not. Files outside the package (torch, transformers) are covered by the environment record,
not by the key.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent  # .../ablate
PACKAGE = PACKAGE_ROOT.name


def module_files(module: str) -> list[Path]:
    """The source file of an ablate module name (every module of the package for a prefix
    ending in '.'), or [] if it is not one."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return []
    if parts[-1] == "":
        package = PACKAGE_ROOT.joinpath(*parts[1:-1])
        return sorted(package.glob("*.py")) if (package / "__init__.py").is_file() else []
    base = PACKAGE_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return [candidate]
    return []


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


REGISTRY = PACKAGE_ROOT / "phases" / "__init__.py"


@lru_cache(maxsize=None)
def _imports(path: Path) -> frozenset[str]:
    """Module names `path` may import (candidates; non-modules are filtered by the caller)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.add(origin)
            found.update(f"{origin}.{alias.name}" for alias in node.names)  # `from pkg import module`
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and path != REGISTRY
              and node.value.startswith(PACKAGE + ".")):
            found.add(node.value.partition(":")[0])
    # Importing a.b.c runs a/__init__.py and a/b/__init__.py too.
    for module in list(found):
        parts = module.rstrip(".").split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(found)


def closure(module: str) -> list[Path]:
    """Every ablate source file reachable from `module` by the rule above, sorted."""
    start = module_files(module)
    if len(start) != 1:
        raise ValueError(f"{module} is not a module of the {PACKAGE} package")
    seen = set(start)
    todo = list(start)
    while todo:
        for name in _imports(todo.pop()):
            for path in module_files(name):
                if path not in seen:
                    seen.add(path)
                    todo.append(path)
    return sorted(seen)


@lru_cache(maxsize=None)
def code_digest(module: str) -> str:
    """sha256 (16 hex) over (relative path, bytes) of `closure(module)`; once per process."""
    h = hashlib.sha256()
    for path in closure(module):
        h.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]
