"""Drop-and-fuse (EViT) and merge (ToMe) pruners: shrinking sequences restored by end()."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.pruning_toys import (IdentityBlock, ToyAttentionBlock, ToyBlock, ToyMixBlock,
                                  make_toy, records_by_block, spikes)
from tpmm.pruning import EViTPruner, ToMePruner, build_pruner, keep_count


def run_stage(pruner, blocks, x, hw):
    """Drive one stage by hand; returns (per-block outputs, end output, ctx)."""
    ctx = pruner.begin(x, hw)
    outs = []
    for index, block in enumerate(blocks):
        x = pruner.run(index, block, x, ctx)
        outs.append(x)
    return outs, pruner.end(x, ctx), ctx


def tokens(x, b, n):
    """``x[:, b, :, n]`` -> ``[T, C]``."""
    return x[:, b, :, n]


def test_evit_shrinks_then_end_restores_with_drop_time_values():
    x = spikes(2, 2, 4, 16)
    blocks = [ToyBlock(4), ToyBlock(4)]
    pruner = EViTPruner(keep_schedule=[0.5, 0.25], num_blocks=2,
                        scorer=dict(type='RandomTokenScorer', seed=0))
    (y0, y1), out, ctx = run_stage(pruner, blocks, x, (4, 4))
    assert y0.shape == (2, 2, 4, 8 + 1) and y1.shape == (2, 2, 4, 4 + 1)
    assert out.shape == x.shape
    kept = records_by_block(ctx.records)
    for b in range(2):
        kept0, kept1 = kept[0][b].tolist(), kept[1][b].tolist()
        assert set(kept1) <= set(kept0)
        for n in range(16):
            if n in kept1:  # kept to the end: final value
                expected = tokens(y1, b, kept1.index(n))
            elif n in kept0:  # dropped at block 1: its block-0 output
                expected = tokens(y0, b, kept0.index(n))
            else:  # dropped at block 0: its input
                expected = tokens(x, b, n)
            assert torch.equal(tokens(out, b, n), expected)


def test_evit_fused_token_is_the_score_weighted_mean_of_dropped_tokens():
    # identity blocks: the fused token after each drop is the firing-rate-weighted
    # mean of every token dropped so far in the stage
    x = spikes(2, 1, 3, 9, rate=0.5)
    pruner = EViTPruner(keep_schedule=[5 / 9, 3 / 9], num_blocks=2,
                        scorer=dict(type='FiringRateTokenScorer'))
    outs, _, ctx = run_stage(pruner, [IdentityBlock(), IdentityBlock()], x, (3, 3))
    rate = x.mean(dim=(0, 2))[0]
    for (_, _, kept), y in zip(ctx.records, outs):
        kept = kept[0].tolist()
        dropped = [n for n in range(9) if n not in kept]
        weight = rate[dropped] + 1e-12
        fused = (x[:, 0][..., dropped] * weight).sum(-1) / weight.sum()
        assert y.shape[-1] == len(kept) + 1
        assert torch.allclose(y[:, 0, :, -1], fused)
        # the firing-rate scorer kept the busiest tokens
        assert rate[kept].min() >= rate[dropped].max()


def test_evit_default_scorer_follows_the_block():
    x = spikes(2, 1, 4, 16)
    pruner = EViTPruner(keep_ratio=0.25, num_blocks=1)
    attention_block = ToyAttentionBlock(4)
    _, _, ctx = run_stage(pruner, [attention_block], x, (4, 4))
    expected = attention_block.attention_received(x).topk(4).indices.sort().values
    assert torch.equal(ctx.records[0].kept_index, expected)
    _, _, ctx = run_stage(pruner, [ToyBlock(4)], x, (4, 4))
    rate = x.mean(dim=(0, 2))
    assert rate.gather(1, ctx.records[0].kept_index).min() >= rate.median()


def test_evit_mix_runs_on_the_restored_grid():
    # per-token blocks: after a drop at block 0, block 1's mix must see the full grid
    # (kept tokens + frozen dropped ones), as IRToP's grid does; kept tokens then match
    torch.manual_seed(0)
    blocks = [ToyMixBlock(4, interact=False), ToyMixBlock(4, interact=False)]
    x = spikes(2, 2, 4, 16)
    scorer = dict(type='FiringRateTokenScorer')
    evit = EViTPruner(keep_schedule=[0.5], num_blocks=2, scorer=scorer)
    # EViT scores after mix; so does IRToP with score_on='mixed'
    irtop = build_pruner(dict(type='IRToP', keep_schedule=[0.5], scorer=scorer,
                              score_on='mixed'), 2)
    (_, y1), evit_out, ctx = run_stage(evit, blocks, x, (4, 4))
    _, irtop_out, irtop_ctx = run_stage(irtop, blocks, x, (4, 4))
    kept = ctx.records[0].kept_index
    assert torch.equal(kept, irtop_ctx.records[0].kept_index)
    selected = torch.zeros(2, 16, dtype=torch.bool).scatter(1, kept, True)
    assert torch.allclose(evit_out.permute(1, 3, 0, 2)[selected],
                          irtop_out.permute(1, 3, 0, 2)[selected])
    assert y1.shape[-1] == 8 + 1


def test_tome_merges_the_most_similar_pair():
    # one-hot tokens (pairwise orthogonal) except tokens 2 and 3 in sample 0 and
    # tokens 4 and 5 in sample 1, which are identical: those pairs merge
    x = torch.eye(6)[None, None].repeat(2, 2, 1, 1)  # [T, B, C=6, N=6]
    x[:, 0, :, 3] = x[:, 0, :, 2]
    x[:, 1, :, 5] = x[:, 1, :, 4]
    pruner = ToMePruner(keep_ratio=5 / 6, num_blocks=1)
    (y0, ), out, ctx = run_stage(pruner, [IdentityBlock()], x, (2, 3))
    assert y0.shape[-1] == 5
    source = ctx.extra['shrink']['source']
    assert source[0, 2] == source[0, 3] and source[1, 4] == source[1, 5]
    assert len(set(source[0].tolist())) == 5 and len(set(source[1].tolist())) == 5
    assert torch.equal(out, x)  # identical tokens merged: nothing lost


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(2, 5), st.integers(2, 5),
       st.floats(0.1, 0.9), st.integers(0, 50))
def test_tome_unmerge_gives_every_source_its_group_mean(t, b, h, w, ratio, seed):
    # identity blocks: a merged token is the size-weighted mean of its sources, so after
    # two merges every grid token holds the plain mean of its group's inputs
    n = h * w
    x = torch.rand(t, b, 3, n, generator=torch.Generator().manual_seed(seed))
    pruner = ToMePruner(keep_schedule=[(1 + ratio) / 2, ratio], num_blocks=2)
    _, out, ctx = run_stage(pruner, [IdentityBlock(), IdentityBlock()], x, (h, w))
    assert out.shape == x.shape
    state = ctx.extra.get('shrink')
    if state is None:  # nothing to merge on this grid
        assert torch.equal(out, x)
        return
    source = state['source']
    for sample in range(b):
        groups = source[sample]
        for group in groups.unique():
            members = (groups == group).nonzero().flatten()
            expected = x[:, sample][..., members].mean(-1, keepdim=True)
            assert torch.allclose(out[:, sample][..., members],
                                  expected.expand(-1, -1, len(members)), atol=1e-6)
        assert int(state['size'][sample].sum()) == n
    # r = N' - k tokens merged per block, at most the ceil(N' / 2) tokens of set A
    count = n
    for block_ratio in ((1 + ratio) / 2, ratio):
        count -= max(0, min(count - keep_count(block_ratio, (h, w)), (count + 1) // 2))
    assert all(len(source[sample].unique()) == count for sample in range(b))
    assert int(source.max()) + 1 == count


def test_tome_with_mix_and_records():
    model = make_toy(ToyMixBlock, num_blocks=2, pruning=dict(type='ToMePruner',
                                                             keep_ratio=0.5))
    x = spikes(2, 2, 4, 16)
    out = model(x, (4, 4))
    assert out.shape == x.shape
    (index, _, representative), = model.pruner.last_records
    assert index == 0 and representative.shape == (2, 8)
    # every representative is a distinct grid position
    assert all(len(set(r.tolist())) == 8 for r in representative)


@pytest.mark.parametrize('pruning', [
    dict(type='EViTPruner', keep_ratio=0.5),
    dict(type='ToMePruner', keep_ratio=0.5),
])
def test_drop_and_merge_pruners_train_mode(pruning):
    model = make_toy(ToyBlock, num_blocks=2, pruning=dict(pruning, prune_in_train=False))
    x = spikes(2, 2, 4, 16)
    model.train()
    assert torch.equal(model(x, (4, 4)), model.forward_unpruned(x, (4, 4)))
    model = make_toy(ToyBlock, num_blocks=2, pruning=pruning).train()
    x.requires_grad_()
    model(x, (4, 4)).sum().backward()
    assert x.grad is not None and model.blocks[1].proj.weight.grad.abs().sum() > 0
