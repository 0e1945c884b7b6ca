"""`python -m app.cli ...`: the `profilegraph` command, as the API's model refresh runs
`build-model` in a subprocess (same interpreter, no reliance on a script on PATH)."""

from app.cli import main

main()
