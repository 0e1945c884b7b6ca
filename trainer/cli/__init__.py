"""The trainer's commands (`train`, `evaluate`, `train-loop`, `build-model`), a Typer app
that the `profilegraph` command line mounts; torch loads only when a command runs."""
