"""No unpickling of artifacts or cache entries. Every ablate process of tests/reliability runs under
a guard that refuses to unpickle (tests/reliability/no_unpickling.py: fresh, resumed, reused and
translated phases), and the kill-matrix stores are checked for pickle files; here: the guard
itself refuses what it must, ablate's source calls no unpickler, and pickle files are recognised."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.reliability.runs import REPO, env, pickles

# Calls that unpickle (or may, depending on an argument checked below), by their dotted name.
UNPICKLERS = {"pickle.load", "pickle.loads", "pickle.Unpickler", "dill.load", "dill.loads", "joblib.load",
              "cloudpickle.load", "cloudpickle.loads", "pd.read_pickle", "pandas.read_pickle", "torch.load",
              "np.load", "numpy.load"}


# Runs each call in one guarded interpreter (one torch import): prints, per call, the exception
# type it raised or "ok"; the trace file then holds one entry per refusal.
GUARDED = """
import json, sys
from tests.reliability import no_unpickling
no_unpickling.install()
import pickle, numpy, torch
blob = sys.argv[1]
outcomes = []
for call in json.loads(sys.argv[2]):
    try:
        exec(call)
        outcomes.append("ok")
    except Exception as e:
        outcomes.append(type(e).__name__)
print(json.dumps(outcomes))
"""

REFUSED = {  # call -> the refusal recorded for it
    "pickle.loads(pickle.dumps({'a': 1}))": "pickle.loads",
    "pickle.load(open(blob + '.pkl', 'rb'))": "pickle.load",
    "from pickle import loads; loads(pickle.dumps(1))": "pickle.loads",
    "pickle.Unpickler(open(blob + '.pkl', 'rb')).load()": "pickle.Unpickler",
    "torch.load(blob + '.pt', weights_only=False)": "torch.load(weights_only=False)",
    "numpy.load(blob + '.npy', allow_pickle=True)": "numpy.load(allow_pickle=True)",
}
# torch's weights-only loader (how transformers reads optimizer and RNG states on resume) and numpy
# arrays without objects do not unpickle arbitrary objects: they pass.
ALLOWED = ["assert torch.load(blob + '.pt')['w'].sum() == 2", "assert numpy.load(blob + '.npy').sum() == 2"]


def test_the_guard_refuses_every_way_to_unpickle_leaves_a_trace_and_lets_safe_loads_through(tmp_path):
    import json
    import pickle

    import numpy
    import torch

    (tmp_path / "blob.pkl").write_bytes(pickle.dumps({"a": 1}))
    torch.save({"w": torch.ones(2)}, tmp_path / "blob.pt")
    numpy.save(tmp_path / "blob.npy", numpy.ones(2))
    found = tmp_path / "unpickled.txt"
    calls = [*REFUSED, *ALLOWED]
    done = subprocess.run([sys.executable, "-c", GUARDED, str(tmp_path / "blob"), json.dumps(calls)], cwd=tmp_path,
                          env=env(found), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["Unpickled"] * len(REFUSED) + ["ok"] * len(ALLOWED)
    lines = found.read_text().splitlines()
    assert [line.removeprefix("refused ") for line in lines if not line.startswith(" ")] == list(REFUSED.values())


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def unpickling_calls(source: str) -> list[str]:
    """Calls in `source` that can unpickle: the UNPICKLERS, except numpy.load without
    allow_pickle=True and torch.load with weights_only=True; imports of pickle-only modules too."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"import {n}" for n in names if n.split(".")[0] in ("pickle", "dill", "cloudpickle", "joblib")]
        if not isinstance(node, ast.Call) or _dotted(node.func) not in UNPICKLERS:
            continue
        name, kwargs = _dotted(node.func), {k.arg: k.value for k in node.keywords}
        safe = {"np.load": ("allow_pickle", False), "numpy.load": ("allow_pickle", False),
                "torch.load": ("weights_only", True)}.get(name)
        if safe:
            value = kwargs.get(safe[0])
            default_ok = name != "torch.load"  # numpy refuses pickles by default; be explicit with torch
            if (value is None and default_ok) or (isinstance(value, ast.Constant) and value.value is safe[1]):
                continue
        found.append(name)
    return found


def test_the_scan_finds_unpickling_calls():
    src = ("import pickle\nimport numpy as np, torch\npickle.loads(b'')\nnp.load('a', allow_pickle=True)\n"
           "np.load('a')\ntorch.load('a')\ntorch.load('a', weights_only=True)\n")
    assert unpickling_calls(src) == ["import pickle", "pickle.loads", "np.load", "torch.load"]


def test_ablate_source_calls_no_unpickler():
    found = {str(p.relative_to(REPO)): calls for p in sorted((REPO / "ablate").rglob("*.py"))
             if (calls := unpickling_calls(p.read_text()))}
    assert found == {}


def test_pickle_files_are_recognised_and_safe_formats_are_not(tmp_path):
    import pickle

    import numpy
    import torch
    from safetensors.torch import save_file

    for protocol in (2, 4, 5):
        (tmp_path / f"p{protocol}.bin").write_bytes(pickle.dumps([1], protocol=protocol))
    torch.save({"w": torch.ones(2)}, tmp_path / "state.pt")
    save_file({"w": torch.ones(2)}, tmp_path / "model.safetensors")
    (tmp_path / "result.json").write_text('{"a": 1}')
    numpy.save(tmp_path / "array.npy", numpy.ones(2))
    assert sorted(p.name for p in pickles(tmp_path)) == ["p2.bin", "p4.bin", "p5.bin", "state.pt"]
