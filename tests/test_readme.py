"""The README's two set-up commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)[:2]


def test_readme_has_a_demo_command_and_a_test_command():
    demo, tests = _commands()
    assert demo.strip().endswith("ablate demo")
    assert "pytest" in tests
    assert "-c .ci/constraints.txt" in demo and "-c .ci/constraints.txt" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = _commands()
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests.strip() in ci.splitlines()


def test_constraints_pin_the_cpu_torch():
    assert (ROOT / ".ci" / "constraints.txt").read_text().split() == ["torch==2.13.0"]
