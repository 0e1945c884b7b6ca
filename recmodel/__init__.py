"""The recommendation model library: what serving and the trainer share (artifacts, the
factor form, the filter operator, live history weights, numpy evaluation). numpy/scipy only:
it imports neither torch, nor `app`, nor `trainer` (tests/architecture)."""
