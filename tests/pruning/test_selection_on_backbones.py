"""Which tokens each pruner keeps on the five real backbones, against scores computed
here from their formulas (never by calling the scorer): IRToP with the released
criterion (plain, sticky, scored after ``mix``), the random baseline and EViT.

Random weights with batch-norm in training mode (in eval mode the initial running
statistics leave the neurons silent and every token would tie); the pruners prune in
training mode too.
"""
import pytest
import torch

from helpers.released_formulas import assert_same_sets, record_block_inputs, released_score
from tpmm.registry import MODELS

BACKBONES = {
    'Spikformer': dict(type='Spikformer', arch='tiny', T=2),
    'SDTV1': dict(type='SDTV1', arch='tiny', T=2),
    'QKFormer': dict(type='QKFormer', arch='tiny', T=2),
    'SDTV2': dict(type='SDTV2', arch='tiny', T=2),
    'SDTV3': dict(type='SDTV3', arch='tiny', T=2),
}
#: backbones whose prunable blocks have a ``mix`` that changes the tokens
MIXING = ('SDTV3',)


def run(name: str, pruning: dict, mixed: bool = False, seed: int = 0):
    torch.manual_seed(seed)
    backbone = MODELS.build(dict(BACKBONES[name], out_type='pooled', pruning=pruning))
    backbone.train()
    inputs = record_block_inputs(backbone, mixed=mixed)
    with torch.no_grad():
        backbone(torch.randn(2, 3, 128, 128))
    return backbone, inputs, backbone.pruner.last_records


@pytest.mark.parametrize('name', BACKBONES)
def test_irtop_keeps_the_released_top_k_at_every_block(name):
    backbone, inputs, records = run(name, dict(type='IRToP', keep_ratio=0.5))
    assert len(records) == backbone.pruner.num_blocks == len(inputs)
    distinct = []
    for index, _, kept in records:
        tokens, hw = inputs[index]
        k = int(0.5 * tokens.shape[-1])
        score = released_score(tokens, hw)
        distinct.append(score[0].unique().numel() / tokens.shape[-1])
        assert_same_sets(kept, torch.topk(score, k, dim=1).indices, score, f'block {index}')
    # the rankings are real, not mostly ties, at least at the later blocks (QKFormer-tiny's
    # first block sees 16-channel spike sums, whose released scores tie in large groups:
    # 4 % distinct values there, 47-50 % at its last block over seeds 0-2)
    assert max(distinct) > 0.4, f'the scores mostly tie at every block: {distinct}'


def num_prunable_blocks(name: str) -> int:
    return MODELS.build(dict(BACKBONES[name], out_type='pooled')).num_prunable_blocks


@pytest.mark.parametrize('name', BACKBONES)
def test_sticky_irtop_chooses_among_the_still_active_tokens(name):
    schedule = [(0.8, 0.5, 0.3)[i % 3] for i in range(num_prunable_blocks(name))]
    _, inputs, records = run(name, dict(type='IRToP', keep_schedule=schedule, sticky=True))
    previous, hw_previous = None, None
    for index, _, kept in records:
        tokens, hw = inputs[index]
        score = released_score(tokens, hw)
        k = int(schedule[index] * tokens.shape[-1])
        if hw == hw_previous:  # the same stage: only still-active tokens compete
            active = torch.zeros_like(score, dtype=torch.bool).scatter(1, previous, True)
            score = score.masked_fill(~active, float('-inf'))
            k = min(k, previous.shape[1])
            assert torch.isin(kept, previous).all()
        assert kept.shape[1] == k
        assert_same_sets(kept, torch.topk(score, k, dim=1).indices, score, f'block {index}')
        previous, hw_previous = kept, hw


@pytest.mark.parametrize('name', MIXING)
def test_irtop_scored_after_mix_uses_the_mixed_tokens(name):
    _, mixed, records = run(name, dict(type='IRToP', keep_ratio=0.5, score_on='mixed'),
                            mixed=True)
    _, inputs, input_records = run(name, dict(type='IRToP', keep_ratio=0.5))
    for (index, _, kept), (_, _, kept_on_input) in zip(records, input_records):
        tokens, hw = mixed[index]
        assert not torch.equal(tokens, inputs[index][0])  # mix changed the tokens
        score = released_score(tokens, hw)
        expected = torch.topk(score, int(0.5 * tokens.shape[-1]), dim=1).indices
        assert_same_sets(kept, expected, score, f'block {index}')


@pytest.mark.parametrize('name', BACKBONES)
def test_random_baseline_keeps_the_top_of_its_own_seeded_draws(name):
    _, inputs, records = run(name, dict(type='IRToP', keep_ratio=0.5,
                                        scorer=dict(type='RandomTokenScorer', seed=7)))
    generator = torch.Generator().manual_seed(7)  # one draw [B, N] per pruned block
    for index, _, kept in records:
        tokens, _ = inputs[index]
        draw = torch.rand(tokens.shape[1], tokens.shape[-1], generator=generator)
        expected = torch.topk(draw, int(0.5 * tokens.shape[-1]), dim=1).indices
        assert_same_sets(kept, expected, draw, f'block {index}')


@pytest.mark.parametrize('name', ['Spikformer', 'SDTV1', 'QKFormer'])
def test_evit_keeps_the_highest_firing_tokens_among_those_left(name):
    """EViT (firing-rate scores) shrinks the sequence: at each block the real tokens are
    the previous block's kept positions, followed by one fused token."""
    _, inputs, records = run(name, dict(type='EViTPruner', keep_ratio=0.7,
                                        scorer=dict(type='FiringRateTokenScorer')))
    positions, hw_previous = None, None
    for index, _, kept_positions in records:
        tokens, hw = inputs[index]
        n = hw[0] * hw[1]
        if hw != hw_previous:  # a new stage starts from the full grid
            positions = torch.arange(n).expand(tokens.shape[1], n)
        real = tokens[..., :positions.shape[1]]
        rate = real.mean(dim=(0, 2))  # firing rate per real token [B, N']
        k = int(0.7 * n)
        expected = positions.gather(1, torch.topk(rate, k, dim=1).indices)
        kept_rate = torch.full((tokens.shape[1], n), float('-inf')).scatter(1, positions,
                                                                           rate)
        assert_same_sets(kept_positions, expected, kept_rate, f'block {index}')
        positions, hw_previous = kept_positions, hw
