"""The command line as a process: import with the garbage collector off, run one app, then
end without the interpreter's teardown.

A command imports a large stack whose objects live as long as the process: collecting while
they load is wasted work (a tenth of a replayed refresh). So the collector is off while a
command imports and, for the short commands (near, status, validate), for good; a refresh
turns it on for its run, with the loaded stack frozen (``pipelines.definitions.
loaded_stack_frozen``), since a run at full size makes cyclic garbage worth collecting.

When a command has finished, its files are closed and every ``atexit`` handler (the refresh
lock, logging, temporary folders) has run. What Python would still do is free every module
and object of the stack it loaded (Dagster, pandas, pandera, DuckDB, Frictionless, ...), one by
one: about 1 s after a refresh on the reference machine (``bench/refresh_replay.py``), for
nobody's benefit. The console scripts end with ``os._exit`` instead; the apps called
in-process (tests, ``typer.testing.CliRunner``) never reach this module.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import NoReturn

import typer


def exit_code(code: object) -> int:
    """``SystemExit.code`` as a process exit code: None is 0, a message is printed and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_as_process(app: typer.Typer) -> NoReturn:
    """Run ``app`` on the process's arguments, run the exit handlers, flush, and end."""
    gc.disable()
    try:
        app()  # standalone mode: always ends in SystemExit
        code = 0
    except SystemExit as ended:
        code = exit_code(ended.code)
    atexit._run_exitfuncs()  # noqa: SLF001 (what interpreter shutdown would run first)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away, a closed stream
            code = code or 1
    os._exit(code)
