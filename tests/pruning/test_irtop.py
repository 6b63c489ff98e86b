"""IRToP (early stop + reassemble) on a toy spiking backbone. Tokens: [T, B, C, N]."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.pruning_toys import (IdentityBlock, ToyBlock, ToyMixBlock, make_toy,
                                  records_by_block, spikes)
from tpmm.pruning import REFERENCE_SCHEDULES, IRToP, keep_count

FAST = settings(max_examples=15, deadline=None)


@pytest.mark.parametrize('block_cls', [ToyBlock, ToyMixBlock])
@pytest.mark.parametrize('pruning', [
    None,
    dict(type='NoPrune'),
    dict(type='IRToP', keep_ratio=1.0),
    dict(type='IRToP', keep_ratio=1.0, sticky=True),
    dict(type='IRToP', keep_schedule=[1.0, 1.0]),
    dict(type='EViTPruner', keep_ratio=1.0),
    dict(type='ToMePruner', keep_ratio=1.0),
])
def test_no_pruning_gives_exactly_the_unpruned_output(block_cls, pruning):
    model = make_toy(block_cls, pruning=pruning, stages=[2, 1])
    x = spikes(2, 2, 4, 20)
    assert torch.equal(model(x, (4, 5)), model.forward_unpruned(x, (4, 5)))
    assert model.pruner.last_records == []


def test_keep_ratio_one_skips_scoring():
    # the attention scorer would raise on a block without attention_received
    model = make_toy(pruning=dict(type='IRToP', keep_ratio=1.0,
                                  scorer=dict(type='AttentionTokenScorer')))
    x = spikes(1, 1, 4, 9)
    assert torch.equal(model(x, (3, 3)), model.forward_unpruned(x, (3, 3)))


@st.composite
def pruning_setups(draw):
    num_blocks = draw(st.integers(1, 3))
    schedule = draw(st.lists(st.floats(0.05, 1.0), min_size=1, max_size=num_blocks))
    return dict(
        t=draw(st.integers(1, 2)), b=draw(st.integers(1, 3)), h=draw(st.integers(2, 5)),
        w=draw(st.integers(2, 5)), num_blocks=num_blocks, schedule=schedule,
        unit=draw(st.sampled_from(['tokens', 'side'])), sticky=draw(st.booleans()),
        seed=draw(st.integers(0, 100)))


@FAST
@given(pruning_setups())
def test_irtop_properties(setup):
    h, w = setup['h'], setup['w']
    n = h * w
    pruning = dict(type='IRToP', keep_schedule=setup['schedule'],
                   schedule_unit=setup['unit'], sticky=setup['sticky'])
    model = make_toy(ToyBlock, num_blocks=setup['num_blocks'], pruning=pruning,
                     seed=setup['seed'])
    x = spikes(setup['t'], setup['b'], 4, n, seed=setup['seed'])
    out = model(x, (h, w))
    assert out.shape == x.shape
    records = records_by_block(model.pruner.last_records)
    active = n
    ever_selected = torch.zeros(setup['b'], n, dtype=torch.bool)
    previous = None
    for index in range(setup['num_blocks']):
        ratio = setup['schedule'][index] if index < len(setup['schedule']) else 1.0
        k = n if ratio == 1.0 else keep_count(ratio, (h, w), setup['unit'])
        if setup['sticky']:
            k = min(k, active)
        if k == n:
            assert index not in records
            ever_selected[:] = True
            continue
        kept = records[index]
        assert kept.shape == (setup['b'], k)
        assert (kept.diff(dim=-1) > 0).all()  # distinct, ascending
        if setup['sticky'] and previous is not None:
            # a stopped token never comes back
            assert torch.isin(kept, previous).all()
        ever_selected.scatter_(1, kept, True)
        previous, active = kept, k
    never = ~ever_selected
    # a token no block selected leaves the stage with exactly its input value
    assert torch.equal(out.permute(1, 3, 0, 2)[never], x.permute(1, 3, 0, 2)[never])


@FAST
@given(st.integers(1, 2), st.lists(st.integers(0, 15), min_size=2, max_size=4, unique=True))
def test_samples_keep_their_own_tokens(t, hot):
    # each sample fires at one token only: the firing-rate scorer must keep that one
    x = torch.zeros(t, len(hot), 3, 16)
    for sample, token in enumerate(hot):
        x[:, sample, :, token] = 1
    model = make_toy(IdentityBlock, num_blocks=1,
                     pruning=dict(type='IRToP', keep_ratio=1 / 16,
                                  scorer=dict(type='FiringRateTokenScorer')))
    model(x, (4, 4))
    (index, _, kept), = model.pruner.last_records
    assert kept.tolist() == [[token] for token in hot]


def test_unselected_tokens_keep_their_post_mix_value():
    model = make_toy(ToyMixBlock, num_blocks=1, pruning=dict(type='IRToP', keep_ratio=0.5))
    x = spikes(2, 2, 4, 16)
    out = model(x, (4, 4))
    (_, _, kept), = model.pruner.last_records
    mixed, _ = model.blocks[0].mix(x, (4, 4))
    dropped = torch.ones(2, 16, dtype=torch.bool).scatter(1, kept, False)
    assert torch.equal(out.permute(1, 3, 0, 2)[dropped], mixed.permute(1, 3, 0, 2)[dropped])


def test_selected_tokens_see_their_side_tensors():
    # with a per-token tokenwise, selected tokens match the unpruned block exactly
    model = make_toy(ToyMixBlock, num_blocks=1, interact=False,
                     pruning=dict(type='IRToP', keep_ratio=0.4))
    x = spikes(2, 2, 4, 20)
    out = model(x, (4, 5))
    (_, _, kept), = model.pruner.last_records
    full = model.forward_unpruned(x, (4, 5))
    selected = torch.zeros(2, 20, dtype=torch.bool).scatter(1, kept, True)
    assert torch.equal(out.permute(1, 3, 0, 2)[selected], full.permute(1, 3, 0, 2)[selected])


def test_sticky_resets_at_each_stage_and_start_block():
    model = make_toy(num_blocks=4, stages=[2, 2],
                     pruning=dict(type='IRToP', keep_schedule=[0.5, 0.25, 0.5, 0.25],
                                  sticky=True, start_block=1))
    model(spikes(2, 1, 4, 16), (4, 4))
    records = records_by_block(model.pruner.last_records)
    assert sorted(records) == [1, 2, 3]
    assert [records[i].shape[1] for i in (1, 2, 3)] == [4, 8, 4]
    assert torch.isin(records[3], records[2]).all()


def test_reference_schedules_on_their_grids():
    sdt_v1 = IRToP(keep_schedule='sdt_v1', num_blocks=8)
    assert sdt_v1.schedule_unit == 'side'
    assert [sdt_v1.keep_target(i, (14, 14)) for i in range(8)] == [
        k * k for k in (12, 12, 10, 10, 10, 10, 8, 8)]
    qkformer = IRToP(keep_schedule='qkformer', num_blocks=10)
    assert qkformer.keep_target(9, (14, 14)) == 10**2  # int(0.75 * 14) = int(10.5)
    assert qkformer.keep_target(0, (56, 56)) == 50**2  # int(50.4)
    sdt_v3 = IRToP(keep_schedule='sdt_v3', num_blocks=12)
    assert len(REFERENCE_SCHEDULES['sdt_v3']) == 8
    assert sdt_v3.keep_target(8, (14, 14)) is None  # past the schedule: not pruned


@pytest.mark.parametrize('ratio,hw,unit,expected', [
    (0.9, (14, 14), 'side', 12 * 12),  # int(12.6): rounding would give 13 x 13
    (0.65, (14, 14), 'side', 9 * 9),  # int(9.1)
    (0.57, (100, 100), 'side', 56 * 56),  # 0.57 * 100 == 56.99999999999999 in floats
    (0.8, (28, 14), 'side', 22 * 11),  # non-square: per side
    (0.7, (14, 14), 'tokens', 137),  # int(137.2)
    (0.75, (3, 3), 'tokens', 6),  # int(6.75): rounding would give 7
    (0.01, (3, 3), 'tokens', 1),  # at least one token
    (0.01, (3, 3), 'side', 1),
])
def test_keep_count_rounds_down_like_the_released_code(ratio, hw, unit, expected):
    assert keep_count(ratio, hw, unit) == expected


def test_score_on_input_scores_the_block_input_not_the_mixed_tensor():
    """With a ``mix`` that changes the tokens, ``score_on`` picks the scored tensor:
    the firing rate (mean over T and C, computed here) of the input vs of the mix."""
    x = spikes(2, 2, 4, 16, seed=3)
    selections = []
    for score_on in ('input', 'mixed'):
        model = make_toy(ToyMixBlock, num_blocks=1, pruning=dict(
            type='IRToP', keep_ratio=0.25, score_on=score_on,
            scorer=dict(type='FiringRateTokenScorer')))
        model(x, (4, 4))
        (_, _, kept), = model.pruner.last_records
        scored = x if score_on == 'input' else model.blocks[0].mix(x, (4, 4))[0]
        rate = scored.mean(dim=(0, 2))  # [B, N]; ties: the lower token index first
        top = rate.argsort(dim=1, descending=True, stable=True)[:, :4]
        assert torch.equal(kept, top.sort(dim=1).values)
        selections.append(kept)
    assert not torch.equal(*selections)


def test_score_on_defaults_and_errors():
    assert IRToP(keep_ratio=0.5, num_blocks=1).score_on == 'input'
    attention = dict(type='AttentionTokenScorer')
    assert IRToP(keep_ratio=0.5, num_blocks=1, scorer=attention).score_on == 'mixed'
    with pytest.raises(ValueError, match="score_on='input'.*AttentionTokenScorer"):
        IRToP(keep_ratio=0.5, num_blocks=1, scorer=attention, score_on='input')
    with pytest.raises(ValueError, match='score_on'):
        IRToP(keep_ratio=0.5, num_blocks=1, score_on='output')


def test_gradients_flow_through_selected_tokens():
    model = make_toy(ToyBlock, num_blocks=1, pruning=dict(type='IRToP', keep_ratio=0.5))
    model.train()
    x = spikes(2, 2, 4, 16).requires_grad_()
    model(x, (4, 4)).sum().backward()
    (_, _, kept), = model.pruner.last_records
    selected = torch.zeros(2, 16, dtype=torch.bool).scatter(1, kept, True)
    grad = x.grad.permute(1, 3, 0, 2)
    assert torch.equal(grad[~selected], torch.ones_like(grad[~selected]))  # identity
    assert (grad[selected] != 1).any()  # through the block
    assert model.blocks[0].proj.weight.grad.abs().sum() > 0


def test_prune_in_train_false_is_unpruned_in_training_only():
    model = make_toy(pruning=dict(type='IRToP', keep_ratio=0.5, prune_in_train=False))
    x = spikes(2, 2, 4, 16)
    model.train()
    assert torch.equal(model(x, (4, 4)), model.forward_unpruned(x, (4, 4)))
    assert model.pruner.last_records == []
    model.eval()
    model(x, (4, 4))
    assert len(model.pruner.last_records) == 3


def test_seam_misuse_is_reported():
    model = make_toy(num_blocks=2, pruning=dict(type='IRToP', keep_ratio=0.5))
    ctx = model.pruner.begin(spikes(1, 1, 4, 16), (4, 4))
    with pytest.raises(IndexError, match='num_blocks=2'):
        model.pruner.run(2, model.blocks[0], spikes(1, 1, 4, 16), ctx)

    class Shrinking(IdentityBlock):

        def tokenwise(self, x):
            return x[..., :1]

    with pytest.raises(ValueError, match='Shrinking.tokenwise'):
        model.pruner.run(0, Shrinking(), spikes(1, 1, 4, 16), ctx)
