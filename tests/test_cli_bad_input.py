"""Every bad input: exit code 2, ONE `error: ...` line on stderr, no traceback, and nothing left
on disk — neither the output directory nor anything in the working directory.

One case of each kind runs as a user would (a subprocess of `python -m ablate`: the real exit
status and everything written to fd 2); the others call the same entry point, ablate.cli.main,
in-process with fd-level capture, in a working directory of their own (an interpreter start per
case was most of this module's time)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ablate(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    # PYTHONPATH: test this checkout even when another one is the editable install
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "ablate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def in_process(*args: str, cwd: Path, capfd, monkeypatch) -> subprocess.CompletedProcess:
    """`ablate ARGS` through ablate.cli.main in this interpreter, as `python -m ablate` runs it."""
    from tests.cli_main import exit_code

    monkeypatch.chdir(cwd)
    capfd.readouterr()
    code = exit_code(args)
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


def _pawsx_copy(tmp: Path) -> Path:
    """A --data-dir holding the shipped PAWS-X fixtures (read with --set data=hub)."""
    from ablate.data.load import FIXTURES

    data = tmp / "data"
    for src in (FIXTURES / "google__xtreme").glob("PAWS-X.*"):
        shutil.copytree(src, data / "google__xtreme" / src.name)
    return data


def _truncated(tmp: Path) -> Path:
    data = _pawsx_copy(tmp)
    path = data / "google__xtreme" / "PAWS-X.de" / "test.jsonl"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])  # cut inside a JSON line
    return data


def _garbage(tmp: Path) -> Path:
    data = _pawsx_copy(tmp)
    (data / "google__xtreme" / "PAWS-X.en" / "train.jsonl").write_bytes(b"\x00\xffnot json at all\n{{{\n")
    return data


def _missing(tmp: Path) -> Path:
    data = _pawsx_copy(tmp)
    (data / "google__xtreme" / "PAWS-X.fr" / "test.jsonl").unlink()
    return data


def _dead_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _write(name: str, content: bytes):
    def make(tmp: Path) -> Path:
        (tmp / name).write_bytes(content)
        return tmp / name
    return make


SMOKE = ["run", "baseline", "--targets", "xnli", "--preset", "smoke", "-q"]
MULTI = ["run", "multitask", "--targets", "xnli", "--preset", "smoke", "-q", "--tasks"]
LOCAL = ["run", "baseline", "--targets", "pawsx", "--preset", "smoke", "--set", "data=hub", "-q", "--data-dir"]

# (id, args, needles in the error line, optional setup returning a path that replaces "{X}")
CASES = [
    # unknown commands, options, names
    ("no-recipe", ["run"], ["Missing argument 'recipe'"], None),
    ("unknown-command", ["runn", "stilts"], ["No such command 'runn'", "Did you mean 'run'"], None),
    ("unknown-option", ["run", "stilts", "--task", "mnli", "--bogus", "1"], ["No such option: --bogus"], None),
    ("unknown-top-option", ["--bogus", "run"], ["No such option: --bogus"], None),
    ("unknown-recipe", ["run", "stilt", "--preset", "smoke"], ["Unknown recipe 'stilt'", "Did you mean 'stilts'?"], None),
    ("unknown-recipe-plan", ["plan", "stilt"], ["Unknown recipe 'stilt'"], None),
    ("unknown-task", ["run", "stilts", "--task", "mnlii", "--preset", "smoke"], ["Did you mean 'mnli'?"], None),
    ("unknown-target", ["run", "baseline", "--targets", "xnlii", "--preset", "smoke"], ["Did you mean 'xnli'?"], None),
    ("unknown-language", ["run", "mt-translate", "--task", "mnli", "--langs", "xx", "--preset", "smoke"], ["'xx'", "sw"], None),
    ("unknown-preset", ["run", "baseline", "--preset", "smok"], ["Unknown preset 'smok'", "Did you mean 'smoke'?"], None),
    ("unknown-device", [*SMOKE, "--device", "tpu"], ["Unknown device 'tpu'", "cpu"], None),
    ("unknown-mt-mix", ["run", "mt-translate", "--task", "mnli", "--preset", "smoke", "--mt-mix", "bogus"], ["--mt-mix"], None),
    ("unknown-card", ["tasks", "--card", "nosuch"], ["Unknown data card 'nosuch'"], None),
    ("empty-targets", [*SMOKE, "--targets", ""], ["--targets needs at least one target task"], None),
    # multitask: --tasks, --sampling, --temperature, --cap
    ("tasks-unknown", [*MULTI, "mnli,squadd"], ["Unknown intermediate task in --tasks 'squadd'", "Did you mean 'squad'?"], None),
    ("tasks-single", [*MULTI, "mnli"], ["single task", "ablate run stilts --task mnli"], None),
    ("tasks-missing", ["run", "multitask", "--targets", "xnli", "--preset", "smoke"], ["needs --tasks"], None),
    ("tasks-twice", [*MULTI, "mnli,mnli"], ["names a task twice"], None),
    ("tasks-with-stilts", ["run", "stilts", "--task", "mnli", "--tasks", "mnli,squad", "--preset", "smoke"],
     ["does not take --tasks", "ablate run multitask --tasks mnli,squad"], None),
    ("task-with-multitask", [*MULTI, "mnli,squad", "--task", "mnli"], ["--tasks", "not --task mnli"], None),
    ("sampling-unknown", [*MULTI, "mnli,squad", "--sampling", "proportinal"], ["Did you mean 'proportional'?"], None),
    ("temperature-zero", [*MULTI, "mnli,squad", "--sampling", "temperature", "--temperature", "0"],
     ["--temperature must be > 0"], None),
    ("temperature-negative-plan", ["plan", "multitask", "--tasks", "mnli,squad", "--sampling", "temperature",
                                   "--temperature", "-1"], ["--temperature must be > 0"], None),
    ("temperature-without-sampling", [*MULTI, "mnli,squad", "--temperature", "2"],
     ["--temperature is read only by --sampling temperature"], None),
    ("cap-zero", [*MULTI, "mnli,squad", "--sampling", "capped", "--cap", "0"], ["--cap must be an integer >= 1"], None),
    ("cap-missing", [*MULTI, "mnli,squad", "--sampling", "capped"], ["--cap must be an integer >= 1"], None),
    ("tasks-unknown-group", [*MULTI, "@pairs,squad"], ["Unknown task group in --tasks '@pairs'", "Did you mean '@pair'?"], None),
    ("total-below-tasks", [*MULTI, "@pair", "--set", "multitask.total_train_examples=2"], ["fewer than the 3 tasks"], None),
    ("total-negative", [*MULTI, "mnli,squad", "--set", "multitask.total_train_examples=-1"], ["must be an integer >= 1"], None),
    ("total-with-stilts", ["run", "stilts", "--task", "mnli", "--preset", "smoke", "--set", "multitask.total_train_examples=64"],
     ["recipe 'stilts' would ignore it", "--max-train-examples 64"], None),
    ("empty-experiment", [*SMOKE, "--experiment", ""], ["--experiment must be a non-empty"], None),
    # seeds
    ("seeds-not-int", [*SMOKE, "--seeds", "1,x"], ["seeds", "expects"], None),
    ("seeds-repeated", [*SMOKE, "--seeds", "1,1"], ["Seeds must be distinct"], None),
    ("seeds-negative", [*SMOKE, "--seeds", "-1"], ["Seeds must be integers >= 0"], None),
    ("seeds-empty", [*SMOKE, "--seeds", ""], ["At least one seed"], None),
    # --set values
    ("set-negative-epochs", [*SMOKE, "--set", "finetune.xnli.epochs=-1"], ["finetune.xnli", "epochs=-1 (must be > 0)"], None),
    ("set-zero-batch", [*SMOKE, "--set", "finetune.*.batch_size=0"], ["batch_size=0 (must be >= 1)"], None),
    ("set-batch-not-int", [*SMOKE, "--set", "finetune.xnli.batch_size=two"], ["batch_size", "expects int", "'two'"], None),
    ("set-unknown-key", [*SMOKE, "--set", "seedz=1"], ["seedz", "Did you mean 'seeds'?"], None),
    ("set-unknown-field", [*SMOKE, "--set", "finetune.xnli.epoch=1"], ["Did you mean 'epochs'?"], None),
    ("set-unknown-task", [*SMOKE, "--set", "finetune.xnlii.epochs=1"], ["xnlii", "Did you mean 'xnli'?"], None),
    ("set-no-equals", [*SMOKE, "--set", "finetune.xnli.epochs"], ["--set expects KEY=VALUE"], None),
    ("min-chrf-not-number", [*SMOKE, "--min-chrf", "abc"], ["Invalid value for '--min-chrf'"], None),
    # config files
    ("config-missing", [*SMOKE, "--config", "{X}"], ["does not exist"], lambda t: t / "no-such.toml"),
    ("config-is-dir", [*SMOKE, "--config", "{X}"], ["is a directory"], lambda t: t),
    ("config-garbage-toml", [*SMOKE, "--config", "{X}"], ["does not parse"], _write("bad.toml", b"seeds = [1,\n[[[")),
    ("config-binary-yaml", [*SMOKE, "--config", "{X}"], ["cannot be read as UTF-8"], _write("bad.yaml", b"\xff\xfe\x00\x81")),
    ("config-list-yaml", [*SMOKE, "--config", "{X}"], ["mapping of settings"], _write("list.yaml", b"- 1\n- 2\n")),
    ("config-suffix", [*SMOKE, "--config", "{X}"], ["use .toml, .yaml/.yml or .json"], _write("cfg.txt", b"seeds = 1")),
    # output dir, tracking store, device
    ("output-is-file", ["run", "baseline", "--targets", "xnli", "--preset", "smoke", "-q", "-o", "{X}"],
     ["is an existing file, not a directory"], _write("afile", b"x")),
    ("output-under-file", ["run", "baseline", "--targets", "xnli", "--preset", "smoke", "-q", "-o", "{X}"],
     ["cannot be created", "is a file"], lambda t: _write("afile", b"x")(t) / "sub"),
    ("tracking-uri-bogus", [*SMOKE, "--tracking-uri", "bogus://x"], ["not an MLflow tracking URI", "sqlite"], None),
    ("tracking-uri-no-scheme", [*SMOKE, "--tracking-uri", "mlflow.db"], ["not an MLflow tracking URI"], None),
    ("tracking-server-down", [*SMOKE, "--tracking-uri", "{X}"], ["does not answer", "omit --tracking-uri"], lambda t: _dead_url()),
    ("compare-server-down", ["compare", "--tracking-uri", "{X}"], ["does not answer"], lambda t: _dead_url()),
    ("model-missing", [*SMOKE, "--model", "./no/such/model"], ["Model path", "does not exist"], None),
    # --data-dir
    ("smoke-with-data-dir", [*SMOKE, "--data-dir", "{X}"], ["--data-dir is not read when data=fixtures", "--set data=hub"], lambda t: t),
    ("data-dir-missing", [*SMOKE, "--set", "data=hub", "--data-dir", "/no/such/dir"], ["--data-dir", "does not exist"], None),
    ("data-file-truncated", [*LOCAL, "{X}"], ["PAWS-X.de", "test.jsonl", "does not parse"], _truncated),
    ("data-file-garbage", [*LOCAL, "{X}"], ["PAWS-X.en", "train.jsonl", "does not parse"], _garbage),
    ("data-file-missing", [*LOCAL, "{X}"], ["Missing under --data-dir", "PAWS-X.fr/test.jsonl"], _missing),
    # the UI
    ("ui-port-too-big", ["ui", "--port", "99999"], ["--port must be between 1 and 65535, got 99999"], None),
    ("ui-port-zero", ["ui", "--port", "0"], ["--port must be between 1 and 65535"], None),
    ("ui-port-not-int", ["ui", "--port", "abc"], ["Invalid value for '--port'"], None),
    ("ui-no-store", ["ui"], ["No MLflow store at", "run a recipe first"], None),
    # readers must not create a store
    ("compare-no-store", ["compare", "--arms", "baseline,stilts:mnli"], ["No MLflow store at"], None),
    ("checklist-no-store", ["checklist"], ["No MLflow store at"], None),
]


# The cases run as real subprocesses: a usage error, an unknown name, a --set value, a config
# file, the output directory, an unreachable server, a broken data file, a reader without a store.
SUBPROCESS = {"unknown-command", "unknown-recipe", "set-unknown-field", "config-garbage-toml", "output-is-file",
              "tracking-server-down", "data-file-truncated", "ui-no-store"}


def _check(r: subprocess.CompletedProcess, needles: list[str]) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("case, args, needles, setup", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_exit_2_nothing_written(tmp_path, capfd, monkeypatch, case, args, needles, setup):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = tmp_path / "out"
    if setup is not None:
        x = str(setup(inputs))
        args = [x if a == "{X}" else a for a in args]
    if "-o" not in args and args[0] not in ("tasks", "--bogus") and args != ["run"]:
        args = [*args, "-o", str(out)]
    before = sorted(inputs.rglob("*"))
    r = ablate(*args, cwd=cwd) if case in SUBPROCESS else in_process(*args, cwd=cwd, capfd=capfd,
                                                                      monkeypatch=monkeypatch)
    _check(r, needles)
    assert not out.exists(), "the output directory was created"
    assert not any(cwd.iterdir()), list(cwd.iterdir())
    assert sorted(inputs.rglob("*")) == before  # no partial output beside the inputs


def test_device_cuda_without_cuda_is_refused_before_anything_runs(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: --device cuda is valid here")
    r = ablate(*SMOKE, "--device", "cuda", "-o", str(tmp_path / "out"), cwd=tmp_path)
    _check(r, ["--device cuda", "no CUDA device", "--device cpu"])
    assert not (tmp_path / "out").exists()


def test_ui_port_in_use_names_a_free_one(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = ablate("ui", "--port", str(port), "-o", str(tmp_path / "out"), cwd=tmp_path)
    _check(r, [f"Port {port} on 127.0.0.1 is in use", "--port"])


@pytest.fixture
def read_only_dir(tmp_path):
    """A read-only tmpfs: as root, chmod does not stop writes, a read-only mount does."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(ro)],
                                                       capture_output=True).returncode != 0:
        if os.geteuid() == 0:
            pytest.skip("cannot mount a read-only tmpfs here (needs CAP_SYS_ADMIN)")
        ro.chmod(0o555)  # not root: permissions are enough
        yield ro
        ro.chmod(0o755)
        return
    try:
        yield ro
    finally:
        subprocess.run(["umount", str(ro)], check=True)


@pytest.mark.parametrize("sub", ["", "out"], ids=["existing-read-only-dir", "new-dir-on-read-only-fs"])
def test_read_only_output_dir_fails_at_once(read_only_dir, tmp_path, sub):
    target = read_only_dir / sub if sub else read_only_dir
    r = ablate(*SMOKE, "-o", str(target), cwd=tmp_path)
    _check(r, ["is not writable", str(read_only_dir)])
    assert not any(read_only_dir.iterdir())


def test_debug_shows_the_traceback(tmp_path):
    r = ablate("--debug", "run", "stilt", "--preset", "smoke", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" in r.stderr and "Unknown recipe 'stilt'" in r.stderr
    r = ablate("run", "stilt", "--preset", "smoke", cwd=tmp_path, env={"ABLATE_DEBUG": "1"})
    assert "Traceback" in r.stderr
