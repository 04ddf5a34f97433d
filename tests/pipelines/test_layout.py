"""The layout shows the flow, and the import rules cover every part of it."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
PIPELINES = ROOT / "pipelines"


def contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def stages() -> set[str]:
    return {p.parent.name for p in PIPELINES.glob("*/__init__.py")}


def test_pipelines_is_the_wiring_plus_one_folder_per_stage():
    assert stages() == {"fetch", "link", "publish", "answer", "cli"}
    wiring = {p.name for p in PIPELINES.glob("*.py")}
    assert wiring == {"__init__.py", "definitions.py", "assets.py", "settings.py", "lock.py"}


def test_every_stage_and_every_wiring_module_is_a_layer_of_the_flow():
    layers = next(c for c in contracts() if c["type"] == "layers")["layers"]
    modules = {f"pipelines.{p.stem}" for p in PIPELINES.glob("*.py") if p.stem != "__init__"}
    assert {f"pipelines.{s}" for s in stages()} | modules == set(layers)
    assert layers.index("pipelines.fetch") > layers.index("pipelines.link") > layers.index(
        "pipelines.publish"), "the flow is fetch -> link -> publish (higher layers import lower)"


def test_tests_are_laid_out_like_the_code():
    for stage in stages():
        assert (ROOT / "tests" / "pipelines" / stage).is_dir(), stage


def test_a_backward_import_breaks_a_contract(tmp_path):
    """A copy of the packages with fetch importing publish fails lint-imports."""
    for package in ("pipelines", "sources", "schemas", "geography"):
        subprocess.run(["cp", "-r", str(ROOT / package), str(tmp_path)], check=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    backward = tmp_path / "pipelines" / "fetch" / "backward.py"
    backward.write_text("from pipelines.publish import release  # noqa: F401\n")
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pipelines.fetch is not allowed to import pipelines.publish" in done.stdout
