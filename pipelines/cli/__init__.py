"""The command line: ``app`` (the Typer app: every command and its options), one module per
command (``near``, ``refresh``, ``status``, ``validate``), ``release_reader`` (finding and
reading a release) and ``console`` (output and refusals)."""
