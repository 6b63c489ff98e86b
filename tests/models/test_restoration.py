"""Restoration on the real backbones: with IRToP at keep ratio 0.5, the tokens a block
does not select leave it exactly as they entered it -- after the block's ``mix`` (its
3x3 / depthwise operators on the full grid) where it has one, else its input -- for
every prunable block of every backbone.

What "entered" and "left" mean is captured around the seam, not taken from the pruner:
the test wraps ``pruner.run`` (the call a backbone makes per block: its input and its
output, the full grid ``[T, B, C, N]``) and the block's own ``mix`` (the value it
returns). The pruner only tells which tokens it selected (``last_records``); their
number is checked against ``round(0.5 * N)``.
"""
import pytest
import torch

from helpers.spiking_backbone_checks import randomize_
from tpmm.registry import MODELS

#: the five backbones at their smallest presets
BACKBONES = {
    'Spikformer': dict(type='Spikformer', arch='tiny'),
    'SDTV1': dict(type='SDTV1', arch='tiny'),
    'SDTV2': dict(type='SDTV2', arch='tiny'),
    'SDTV3': dict(type='SDTV3', arch='tiny'),
    'QKFormer': dict(type='QKFormer', arch='tiny'),
}
KEEP = 0.5


def record_blocks(backbone):
    """Wrap ``backbone.pruner.run``: per call, the block index, whether the block has a
    ``mix``, its input, its ``mix`` output and what the call returned."""
    calls = []
    run = backbone.pruner.run

    def recording_run(index, block, x, ctx):
        call = dict(index=index, x=x.detach().clone(), has_mix=block.has_mix)
        if call['has_mix']:
            mix = block.mix

            def recording_mix(*args, **kwargs):
                out = mix(*args, **kwargs)
                call.setdefault('mixed', []).append(out[0].detach().clone())
                return out

            block.mix = recording_mix
        try:
            out = run(index, block, x, ctx)
        finally:
            if call['has_mix']:
                del block.mix  # back to the class' method
        call['out'] = out.detach().clone()
        calls.append(call)
        return out

    backbone.pruner.run = recording_run
    return calls


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_unselected_tokens_leave_each_block_as_they_entered(name):
    torch.manual_seed(0)
    backbone = MODELS.build(dict(BACKBONES[name], T=2, out_type='featmap',
                                 pruning=dict(type='IRToP', keep_ratio=KEEP)))
    randomize_(backbone).eval()
    calls = record_blocks(backbone)
    images = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        backbone(images)

    num_blocks = backbone.num_prunable_blocks
    assert num_blocks > 0
    assert [c['index'] for c in calls] == list(range(num_blocks))
    selections = {r.block_index: r.kept_index for r in backbone.pruner.last_records}
    assert sorted(selections) == list(range(num_blocks)), 'a prunable block was not pruned'

    for call in calls:
        index, x, out = call['index'], call['x'], call['out']
        t, b, c, n = x.shape
        assert out.shape == x.shape, f'block {index} changed the layout'
        if call['has_mix']:
            assert len(call['mixed']) == 1, f'block {index}: mix ran {len(call["mixed"])} times'
            entered = call['mixed'][0]
            assert entered.shape == x.shape
        else:
            entered = x
        kept = selections[index]
        assert kept.shape == (b, round(KEEP * n)), f'block {index}: {tuple(kept.shape)}'
        selected = torch.zeros(b, n, dtype=torch.bool)
        selected[torch.arange(b)[:, None], kept] = True
        stopped = ~selected
        assert stopped.any(1).all()
        for sample in range(b):
            s = stopped[sample]
            assert torch.equal(out[:, sample, :, s], entered[:, sample, :, s]), \
                f'{name} block {index} sample {sample}: a stopped token changed'
        # the selected tokens did go through the block (the check is not vacuous)
        changed = (out != entered).any(dim=2).any(dim=0)  # [B, N]
        assert changed[selected].any(), f'{name} block {index}: no selected token changed'
        assert not changed[stopped].any()
