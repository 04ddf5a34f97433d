"""The console scripts as processes: exit handlers run, output is complete, codes are kept."""

import subprocess
import sys

SCRIPT = """
import atexit, sys, typer
from pipelines.cli.process import run_as_process

app = typer.Typer(add_completion=False)

@app.command()
def hello(code: int = 0) -> None:
    atexit.register(lambda: print("exit handler ran", flush=True))
    print("said hello " * 2000)  # more than a pipe's buffer: must arrive whole
    raise typer.Exit(code)

run_as_process(app)
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True,
                          text=True, timeout=60)


def test_a_command_ends_with_its_exit_code_after_its_exit_handlers_and_its_output():
    done = run("--code", "3")
    assert done.returncode == 3, done.stderr
    assert done.stdout.count("said hello") == 2000
    assert done.stdout.rstrip().endswith("exit handler ran")


def test_a_usage_error_keeps_clicks_exit_code():
    done = run("--code", "not-a-number")
    assert done.returncode == 2 and "Invalid value" in done.stderr


def test_the_console_scripts_run_as_processes():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {
        "intermediaries": "pipelines.cli.app:main",
        "intermediaries-refresh": "pipelines.cli.app:refresh_main"}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli.app", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "near" in done.stdout
