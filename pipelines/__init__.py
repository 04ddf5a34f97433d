"""Dagster definitions for the civic data intermediaries pipeline (loaded by workspace.yaml)."""

from pipelines.definitions import build_defs

defs = build_defs()
