"""The simulated storefront behind bench/experiments_sim.py: a stated generative model.

Items have a latent vector v_i (dimension 8) and an appeal b_i; shoppers a hidden taste u.
Shown a list of L=4 items, a shopper clicks the item at position k with probability
    bias_k * sigmoid(A + B * b_i + G * u . v_i)        (bias = 1, .7, .5, .4)
independently per item; an exposure "is clicked" when at least one item is. Popularity shows
everyone the L items of highest appeal. The "GNN (live)" variant ranks by a model that knows
each taste up to noise: score = G * (u + e) . v_i + B * b_i with e ~ N(0, 2^2 I); its
vectors are exactly what the API's model artifact serves. Each shopper sees 1 + Poisson(1)
lists, and their click propensity differs (the taste), so exposures of one shopper are
correlated, as in a real storefront.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ITEMS, DIM, LIST = 300, 8, 4
A, B, G = -4.5, 0.5, 0.7
BIAS = np.array([1.0, 0.7, 0.5, 0.4])
MODEL_NOISE = 2.0


@dataclass(frozen=True)
class Storefront:
    item_vec: np.ndarray
    appeal: np.ndarray

    @property
    def popular(self) -> np.ndarray:
        return np.argsort(-self.appeal, kind="stable")[:LIST]

    def click_probs(self, taste: np.ndarray, shown: np.ndarray) -> np.ndarray:
        """Per shopper (rows) and position (columns) for lists `shown` (rows of item indexes)."""
        affinity = np.einsum("sd,sld->sl", taste, self.item_vec[shown])
        logits = A + B * self.appeal[shown] + G * affinity
        return BIAS[: shown.shape[1]] / (1 + np.exp(-logits))

    def exposure_ctr(self, taste: np.ndarray, shown: np.ndarray) -> np.ndarray:
        """P(at least one click) per shopper."""
        return 1 - np.prod(1 - self.click_probs(taste, shown), axis=1)

    def model_vectors(self, taste_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(user, item) vectors whose dot product is the model's score."""
        users = np.hstack([G * taste_hat, np.full((len(taste_hat), 1), B)])
        items = np.hstack([self.item_vec, self.appeal[:, None]])
        return users.astype(np.float32), items.astype(np.float32)

    def model_lists(self, taste_hat: np.ndarray) -> np.ndarray:
        users, items = self.model_vectors(taste_hat)
        return np.argsort(-(users @ items.T), axis=1, kind="stable")[:, :LIST]


def storefront(rng: np.random.Generator) -> Storefront:
    return Storefront(rng.normal(0, 1 / np.sqrt(DIM), (ITEMS, DIM)), rng.normal(0, 1, ITEMS))


def shoppers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(true tastes, the model's noisy copy)."""
    taste = rng.normal(0, 1, (n, DIM))
    return taste, taste + rng.normal(0, MODEL_NOISE, (n, DIM))


@dataclass(frozen=True)
class Population:
    """Per-exposure click probability of each shopper under each strategy."""

    p_popular: np.ndarray
    p_model: np.ndarray

    @property
    def true_lift(self) -> float:
        return float(self.p_model.mean() / self.p_popular.mean() - 1)


def population(store: Storefront, rng: np.random.Generator, n: int = 50_000) -> Population:
    taste, taste_hat = shoppers(rng, n)
    popular = np.tile(store.popular, (n, 1))
    return Population(store.exposure_ctr(taste, popular),
                      store.exposure_ctr(taste, store.model_lists(taste_hat)))
