"""Vectorized BPR triple sampling: shuffled positive pairs, uniform negatives that
are rejected (and redrawn) when the user already interacted with them; optionally several
negative candidates per pair, for dynamic negative sampling in the training step."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
import torch


class BPRSampler:
    """Yields (users, positive items, negative items) batches covering every training
    pair once per epoch. Item ids are 0..n_items-1 (not node ids)."""

    def __init__(
        self, train: sp.csr_matrix, device: torch.device | str = "cpu", max_rounds: int = 8
    ) -> None:
        coo = train.tocoo()
        self.n_items = train.shape[1]
        self.users = torch.from_numpy(coo.row.astype(np.int64)).to(device)
        self.items = torch.from_numpy(coo.col.astype(np.int64)).to(device)
        # Sorted pair keys allow a membership test by binary search.
        self.keys = torch.sort(self.users * self.n_items + self.items).values
        self.device = device
        self.max_rounds = max_rounds

    def __len__(self) -> int:
        return int(self.users.numel())

    def is_positive(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        key = users * self.n_items + items
        idx = torch.searchsorted(self.keys, key).clamp_(max=self.keys.numel() - 1)
        return self.keys[idx] == key

    def negatives(
        self, users: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        neg = torch.randint(self.n_items, users.shape, device=self.device, generator=generator)
        # Redraw collisions a few times; a rare leftover collision is harmless noise.
        for _ in range(self.max_rounds):
            bad = self.is_positive(users, neg)
            if not bool(bad.any()):
                break
            neg[bad] = torch.randint(
                self.n_items, (int(bad.sum()),), device=self.device, generator=generator
            )
        return neg

    def epoch(
        self, batch_size: int, generator: torch.Generator | None = None, candidates: int = 1
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Batches of (users, positives, negatives); negatives are (B,) for one candidate,
        else (B, candidates)."""
        order = torch.randperm(len(self), device=self.device, generator=generator)
        for start in range(0, len(self), batch_size):
            idx = order[start : start + batch_size]
            users = self.users[idx]
            if candidates == 1:
                yield users, self.items[idx], self.negatives(users, generator)
            else:
                repeated = users.repeat_interleave(candidates)
                neg = self.negatives(repeated, generator).view(-1, candidates)
                yield users, self.items[idx], neg
