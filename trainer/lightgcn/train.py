"""LightGCN training: seeded, validation carved from train, early stopping on
validation Recall@K, one sparse propagation per batch step, device-agnostic."""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

from trainer.data import Interactions, split_validation
from trainer.lightgcn.graph import normalized_adjacency
from trainer.lightgcn.model import FastLightGCN, bpr_loss
from trainer.lightgcn.sampling import BPRSampler
from trainer.metrics import Metrics, evaluate


@dataclass
class TrainConfig:
    embedding_dim: int = 64
    num_layers: int = 3
    lr: float = 2e-3
    weight_decay: float = 1e-4
    batch_size: int = 4096
    max_epochs: int = 400
    eval_every: int = 5
    patience: int = 6  # evaluations without improvement before stopping
    lr_decay_patience: int | None = None  # halve lr after this many evals without improvement
    min_lr: float = 1e-4
    stop_file: str | None = None  # when this file appears, finish like early stopping
    val_fraction: float = 0.05
    k: int = 20
    seed: int = 2020
    threads: int | None = None  # None: 1 for small graphs (thread overhead dominates), else 2
    device: str = "auto"
    max_seconds: float | None = None  # wall-clock budget; stops like early stopping
    init: str = "normal"  # "normal" (paper: N(0, 0.1)) or "svd" (spectral, converges faster)
    # N > 1: dynamic negative sampling, the negative of each pair is the best-scored of N
    # uniform candidates under the current model (8: higher test metrics on LastFM and
    # Online Retail II, and on Gowalla in a fraction of the epochs; docs/benchmarks-gnn.md).
    # 1: the paper's uniform negatives.
    negative_candidates: int = 8

    def resolved_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)


@dataclass
class EpochLog:
    epoch: int
    loss: float
    seconds: float
    val: dict | None = None


@dataclass
class TrainResult:
    user_emb: np.ndarray
    item_emb: np.ndarray
    best_epoch: int
    val: Metrics
    epochs_run: int
    wall_seconds: float
    cpu_seconds: float
    config: TrainConfig
    history: list[EpochLog] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "best_epoch": self.best_epoch,
            "epochs_run": self.epochs_run,
            "val": self.val.as_dict(),
            "wall_seconds": round(self.wall_seconds, 1),
            "cpu_seconds": round(self.cpu_seconds, 1),
            "config": asdict(self.config),
        }


def embedding_scorer(
    user_emb: torch.Tensor, item_emb: torch.Tensor
) -> Callable[[np.ndarray], torch.Tensor]:
    """Dot-product scores for a batch of user rows."""

    def score(users: np.ndarray) -> torch.Tensor:
        idx = torch.as_tensor(users, dtype=torch.long, device=user_emb.device)
        return user_emb[idx] @ item_emb.T

    return score


def seed_everything(seed: int) -> None:
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_lightgcn(
    data: Interactions,
    config: TrainConfig | None = None,
    on_epoch: Callable[[EpochLog], None] | None = None,
    val: tuple[sp.csr_matrix, sp.csr_matrix] | None = None,
) -> TrainResult:
    """Train on `data.train` minus a validation carve-out; keep the embeddings of the
    best validation Recall@K. `val` = (fit, validation) overrides the carve-out."""
    cfg = config or TrainConfig()
    torch.set_num_threads(cfg.threads or (1 if data.train.nnz < 200_000 else 2))
    seed_everything(cfg.seed)
    device = cfg.resolved_device()
    wall0, cpu0 = time.perf_counter(), time.process_time()

    fit, valid = (
        val if val is not None else split_validation(data.train, cfg.val_fraction, cfg.seed)
    )
    weight = data.train_weight.multiply(fit).tocsr() if data.train_weight is not None else None
    adj = normalized_adjacency(fit, weight, device)
    sampler = BPRSampler(fit, device)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)

    model = FastLightGCN(data.n_users, data.n_items, cfg.embedding_dim, cfg.num_layers)
    init_embedding(model, fit, cfg)
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    plateau = (
        torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt,
            mode="max",
            factor=0.5,
            patience=cfg.lr_decay_patience,
            min_lr=cfg.min_lr,
            threshold=0.0,
        )
        if cfg.lr_decay_patience is not None
        else None
    )
    offset = data.n_users  # item ids -> node ids

    best: tuple[float, int, Metrics, dict] | None = None
    history: list[EpochLog] = []
    bad_evals = 0
    epoch = 0
    for epoch in range(1, cfg.max_epochs + 1):
        t0 = time.perf_counter()
        model.train()
        total, steps = 0.0, 0
        for users, pos, neg in sampler.epoch(cfg.batch_size, gen, cfg.negative_candidates):
            final = model.get_embedding(adj)  # one propagation per step
            if neg.dim() == 2:
                neg = hardest_negatives(final.detach(), users, neg, offset)
            loss, bpr = bpr_loss(
                final, model.embedding.weight, users, pos + offset, neg + offset, cfg.weight_decay
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(bpr)
            steps += 1
        log = EpochLog(epoch, total / max(steps, 1), time.perf_counter() - t0)
        out_of_time = (
            cfg.max_seconds is not None and time.perf_counter() - wall0 > cfg.max_seconds
        ) or (cfg.stop_file is not None and os.path.exists(cfg.stop_file))
        if epoch % cfg.eval_every == 0 or epoch == cfg.max_epochs or out_of_time:
            m = _validate(model, adj, valid, fit, cfg)
            log.val = {**m.as_dict(), "lr": opt.param_groups[0]["lr"]}
            if plateau is not None:
                plateau.step(m.recall)
            if best is None or m.recall > best[0]:
                best = (m.recall, epoch, m, copy.deepcopy(model.state_dict()))
                bad_evals = 0
            else:
                bad_evals += 1
        history.append(log)
        if on_epoch:
            on_epoch(log)
        if bad_evals >= cfg.patience or out_of_time:
            break

    if best is None:  # max_epochs == 0: evaluate the initial model
        m = _validate(model, adj, valid, fit, cfg)
        best = (m.recall, 0, m, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[3])
    with torch.no_grad():
        model.eval()
        u, i = model.split_embedding(adj)
    return TrainResult(
        user_emb=u.cpu().numpy().astype(np.float32),
        item_emb=i.cpu().numpy().astype(np.float32),
        best_epoch=best[1],
        val=best[2],
        epochs_run=epoch,
        wall_seconds=time.perf_counter() - wall0,
        cpu_seconds=time.process_time() - cpu0,
        config=cfg,
        history=history,
    )


def hardest_negatives(
    final: torch.Tensor, users: torch.Tensor, candidates: torch.Tensor, offset: int
) -> torch.Tensor:
    """Per row, the candidate item the model currently scores highest for the user
    (dynamic negative sampling: a harder negative keeps the BPR gradient from vanishing
    once most uniform negatives are already ranked low)."""
    scores = (final[users].unsqueeze(1) * final[candidates + offset]).sum(-1)
    return candidates.gather(1, scores.argmax(dim=1, keepdim=True)).squeeze(1)


def init_embedding(model: FastLightGCN, fit: sp.csr_matrix, cfg: TrainConfig) -> None:
    """N(0, 0.1) as in the LightGCN paper's code, or a spectral start: the top singular
    vectors of the normalized interaction matrix, which are eigenvectors of the
    propagation, so training starts from a truncated-SVD ranking instead of noise."""
    weight = model.embedding.weight
    with torch.no_grad():
        if cfg.init == "normal":
            torch.nn.init.normal_(weight, std=0.1)
            return
        if cfg.init != "svd":
            raise ValueError(f"unknown init {cfg.init!r}")
        from scipy.sparse.linalg import svds

        from trainer.lightgcn.graph import normalize_symmetric

        r = normalize_symmetric(sp.bmat([[None, fit], [fit.T, None]], format="csr"))[
            : fit.shape[0], fit.shape[0] :
        ]
        k = min(cfg.embedding_dim, min(fit.shape) - 1)
        u, sv, vt = svds(r.astype(np.float64), k=k, random_state=cfg.seed)
        emb = np.zeros(tuple(weight.shape))
        emb[: fit.shape[0], :k] = u * np.sqrt(sv)
        emb[fit.shape[0] :, :k] = vt.T * np.sqrt(sv)
        # Match the overall scale of the paper's N(0, 0.1) start.
        emb *= 0.1 * np.sqrt(emb.size) / max(np.linalg.norm(emb), 1e-12)
        weight.copy_(torch.from_numpy(emb.astype(np.float32)))


def _validate(
    model: FastLightGCN,
    adj: torch.Tensor,
    valid: sp.csr_matrix,
    fit: sp.csr_matrix,
    cfg: TrainConfig,
) -> Metrics:
    with torch.no_grad():
        model.eval()
        u, i = model.split_embedding(adj)
    return evaluate(embedding_scorer(u, i), valid, fit, k=cfg.k)
