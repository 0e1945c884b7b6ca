"""Graph-filter recommenders (GF-CF, Turbo-CF, BSPM, ChebyCF), their blend, and the
validation-only search that picks their hyperparameters (`select`).

Every filter reduces to one item-item operator (`recmodel.operator`, numpy only, what
serving can score); fitting and scoring on a device live in `trainer.filters.base` /
`trainer.filters.propagation` (torch).
"""
