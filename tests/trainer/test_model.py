import numpy as np
import torch
from torch_geometric.nn import LightGCN

from trainer.lightgcn.graph import edge_index, normalized_adjacency
from trainer.lightgcn.model import FastLightGCN, _SymmetricSpMM
from trainer.lightgcn.train import TrainConfig, embedding_scorer, hardest_negatives, train_lightgcn
from trainer.metrics import evaluate


def test_symmetric_spmm_gradient_matches_dense(tiny):
    adj = normalized_adjacency(tiny.train)
    dense = adj.to_dense()
    x = torch.randn(adj.shape[0], 8, requires_grad=True)
    w = torch.randn(adj.shape[0], 8)
    (_SymmetricSpMM.apply(adj, x) * w).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    ((dense @ x2) * w).sum().backward()
    assert torch.allclose(x.grad, x2.grad, atol=1e-5)


def test_fast_model_equals_stock_pyg_lightgcn_on_coo(tiny):
    fast = FastLightGCN(tiny.n_users, tiny.n_items, embedding_dim=16, num_layers=3)
    stock = LightGCN(tiny.n_users + tiny.n_items, 16, 3)
    stock.embedding.weight.data.copy_(fast.embedding.weight.data)
    ours = fast.get_embedding(normalized_adjacency(tiny.train))
    ref = stock.get_embedding(edge_index(tiny.train))
    assert ours.shape == (tiny.n_users + tiny.n_items, 16)
    assert torch.allclose(ours, ref, atol=1e-5)
    u, i = fast.split_embedding(normalized_adjacency(tiny.train))
    assert u.shape == (tiny.n_users, 16) and i.shape == (tiny.n_items, 16)


def _tiny_config(**kw) -> TrainConfig:
    base = dict(
        embedding_dim=16,
        num_layers=2,
        lr=0.02,
        batch_size=64,
        max_epochs=60,
        eval_every=5,
        patience=100,
        val_fraction=0.2,
        seed=3,
    )
    base.update(kw)
    return TrainConfig(**base)


def test_training_loss_decreases_and_planted_blocks_are_recovered(tiny):
    res = train_lightgcn(tiny, _tiny_config())
    losses = [h.loss for h in res.history]
    assert losses[-1] < losses[0] * 0.5
    m = evaluate(
        embedding_scorer(torch.from_numpy(res.user_emb), torch.from_numpy(res.item_emb)),
        tiny.test,
        tiny.train,
        k=5,
    )
    # 10 items per block, 5 seen: a top-5 restricted to the user's block always hits.
    assert m.recall > 0.9
    # Every user's top-5 should come from the user's own block.
    scores = res.user_emb @ res.item_emb.T
    scores[tiny.train.nonzero()] = -np.inf
    top = np.argsort(-scores, axis=1)[:, :5]
    groups = np.asarray(tiny.meta["item_group"])[top]
    assert (groups == np.asarray(tiny.meta["user_group"])[:, None]).mean() > 0.9


def test_training_is_seeded(tiny):
    a = train_lightgcn(tiny, _tiny_config(max_epochs=5))
    b = train_lightgcn(tiny, _tiny_config(max_epochs=5))
    np.testing.assert_allclose(a.user_emb, b.user_emb, rtol=1e-5, atol=1e-6)


def test_early_stopping_stops_and_keeps_the_best_epoch(tiny):
    res = train_lightgcn(tiny, _tiny_config(max_epochs=500, eval_every=1, patience=3, lr=0.05))
    assert res.epochs_run < 500
    best = max(h.val["recall@20"] for h in res.history if h.val)
    assert res.val.recall == best
    assert res.best_epoch <= res.epochs_run - 3


def test_spectral_init_trains_too(tiny):
    res = train_lightgcn(tiny, _tiny_config(init="svd", max_epochs=10))
    assert res.val.recall > 0.5


def test_hardest_negative_is_the_best_scored_candidate():
    final = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.2, 0.0], [0.9, 0.0], [-1.0, 0.0]])
    users = torch.tensor([0, 1])  # node ids; items are nodes 2.. (offset 2)
    candidates = torch.tensor([[0, 1, 2], [2, 1, 0]])  # item ids
    # user 0 scores items 0, 1, 2 as 0.2, 0.9, -1.0; user 1 (zero vector) ties: first wins
    assert hardest_negatives(final, users, candidates, offset=2).tolist() == [1, 2]


def test_dynamic_negative_sampling_trains(tiny):
    res = train_lightgcn(tiny, _tiny_config(negative_candidates=4, max_epochs=20))
    losses = [h.loss for h in res.history]
    assert losses[-1] < losses[0]
    assert res.val.recall > 0.5
