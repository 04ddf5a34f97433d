"""The terminal the commands write to, and how a command refuses: one red line on stderr
naming the problem and what to do instead, then exit 2 (or the code the refusal carries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

EXIT_USAGE = 2


class Refused(Exception):
    """The command cannot do what was asked; the message says why and what to do instead."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def console(stderr: bool = False) -> Any:
    """A rich console (imported when first printed to: ``--help`` never pays for it)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


@contextmanager
def refusals() -> Iterator[None]:
    """Around a command's work: a ``Refused`` becomes ``intermediaries: <message>`` on stderr
    and the exit code, never a traceback."""
    try:
        yield
    except Refused as error:
        console(stderr=True).print(f"[bold red]intermediaries:[/] {error}", soft_wrap=True)
        raise typer.Exit(error.code) from None
