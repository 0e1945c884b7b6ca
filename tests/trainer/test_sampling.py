import torch

from trainer.lightgcn.sampling import BPRSampler


def test_negatives_are_never_training_items(tiny):
    s = BPRSampler(tiny.train)
    users = torch.arange(tiny.n_users).repeat(50)
    neg = s.negatives(users, torch.Generator().manual_seed(0))
    assert not s.is_positive(users, neg).any()
    assert s.is_positive(s.users, s.items).all()


def test_an_epoch_covers_every_pair_once(tiny):
    s = BPRSampler(tiny.train)
    pairs = [
        (int(u), int(i)) for users, pos, _ in s.epoch(17) for u, i in zip(users, pos, strict=True)
    ]
    assert len(pairs) == tiny.train.nnz
    assert set(pairs) == set(zip(*tiny.train.nonzero(), strict=True))


def test_several_candidates_per_pair_are_all_negatives(tiny):
    s = BPRSampler(tiny.train)
    for users, _pos, neg in s.epoch(32, torch.Generator().manual_seed(1), candidates=4):
        assert neg.shape == (users.numel(), 4)
        assert not s.is_positive(users.repeat_interleave(4), neg.reshape(-1)).any()
