"""Dagster definitions for the civic data intermediaries pipeline (loaded by workspace.yaml).

``defs`` is built on first access, so importing the package (the command line, ``--help``)
never reads settings; a bad setting is reported where it is used.
"""


def __getattr__(name: str):  # noqa: ANN202 (module attribute hook)
    if name == "defs":
        from pipelines.definitions import build_defs

        return build_defs()
    raise AttributeError(name)
