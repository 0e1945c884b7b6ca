"""Graph-filter recommenders (GF-CF, Turbo-CF, BSPM, ChebyCF), their blend, and the
validation-only search that picks their hyperparameters.

Every filter reduces to one item-item operator (`recmodel.operator`, numpy only,
safe to import from serving); fitting and scoring on a device live in
`trainer.filters.base` / `trainer.filters.propagation` (torch). This file imports nothing
so that serving can import `recmodel.operator` without torch.
"""
