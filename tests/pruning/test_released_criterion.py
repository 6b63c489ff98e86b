"""The paper presets keep exactly the tokens the released TP-Spikformer code keeps.

The released code (xlzhou126/TP-Spikformer-Token-Pruned-Spiking-Transformer:
``sdt_drop/model/sdt_drop.py``, ``qk_drop/qkformer.py``, ``sdtv3_drop/models_drop.py``)
scores the block input ``x`` (``[T, B, C, H, W]``) with

* temporal: ``softmax_N(mean_t |m_{t+1} - m_t|)``, ``m_t = mean_c x_t``;
* spatial: ``x_bar = mean_t x``, ``Y = conv2d(x_bar, ones(C, C, k, k) / k^2, pad k // 2)``,
  ``softmax_N(-cosine_similarity(x_bar, Y, dim=1, eps=1e-6))``;

adds them (SDT-V3: spatial only, before its SepConv), keeps ``torch.topk`` of
``k * k`` tokens, ``k = int(H * r)`` (SDT-V1: absolute ``k_values``). These tests write
those formulas out with stock torch ops and compare the kept sets with what tpmm's
overlays record, at every pruned block of each paper backbone.
"""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from helpers.pruning_toys import IdentityBlock, make_toy
from helpers.released_formulas import assert_same_sets, record_block_inputs, released_score
from tpmm.registry import MODELS

OVERLAY_DIR = Path(__file__).parents[2] / 'configs' / '_base_' / 'pruning'
#: released per-block keep sides at 224 px (14 x 14 grid; QKFormer: 56, 28, 14)
SDT_V1_SIDES = [12, 12, 10, 10, 10, 10, 8, 8]
QKFORMER_RATIOS = [0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.75, 0.75, 0.75]
SDT_V3_RATIOS = [0.9, 0.8, 0.8, 0.8, 0.75, 0.65, 0.65, 0.65]
#: the official E-SpikeFormer classifier keeps stride 16 in its last stage
SDT_V3_S = dict(type='SDTV3', arch='s', out_type='pooled', last_stage_stride=1)


def run_preset(backbone_cfg: dict, overlay: str, batch: int = 2, **pruning_options):
    """Random weights, batch-norm in training mode: at initialisation the running
    statistics leave every neuron of these backbones silent in eval mode, so all tokens
    would tie; batch statistics give real activity (the pruner prunes in training mode
    too)."""
    pruning = Config.fromfile(str(OVERLAY_DIR / overlay)).model.backbone.pruning.to_dict()
    torch.manual_seed(0)
    backbone = MODELS.build(dict(backbone_cfg, pruning=dict(pruning, **pruning_options)))
    backbone.train()
    inputs = record_block_inputs(backbone)
    with torch.no_grad():
        backbone(torch.randn(batch, 3, 224, 224))
    records = {r.block_index: r.kept_index for r in backbone.pruner.last_records}
    return inputs, records


def check_every_block(inputs, records, sides, kernel_size, temporal):
    assert sorted(records) == sorted(inputs) == list(range(len(sides)))
    for index, side in enumerate(sides):
        tokens, hw = inputs[index]
        score = released_score(tokens, hw, kernel_size, temporal)
        assert score[0].unique().numel() >= 0.75 * tokens.shape[-1], (
            f'block {index}: scores mostly tie')
        expected = torch.topk(score, side * side, dim=1).indices
        assert records[index].shape == (tokens.shape[1], side * side)
        assert_same_sets(records[index], expected, score, f'block {index}')


def test_sdt_v1_preset_keeps_the_released_tokens():
    inputs, records = run_preset(dict(type='SDTV1', arch='8-384', T=4, out_type='pooled'),
                                 'irtop_sdtv1.py')
    check_every_block(inputs, records, SDT_V1_SIDES, kernel_size=3, temporal=True)


def test_qkformer_preset_keeps_the_released_tokens():
    inputs, records = run_preset(dict(type='QKFormer', arch='10-384', T=4,
                                      out_type='pooled'), 'irtop_qkformer.py')
    grids = [inputs[i][1][0] for i in range(10)]
    assert grids == [56, 28, 28] + [14] * 7
    sides = [int(h * r) for h, r in zip(grids, QKFORMER_RATIOS)]
    assert sides == [50, 25, 22, 11, 11, 11, 11, 10, 10, 10]
    check_every_block(inputs, records, sides, kernel_size=7, temporal=True)


def test_sdt_v3_preset_keeps_the_released_tokens_scored_before_the_sepconv():
    inputs, records = run_preset(SDT_V3_S, 'irtop_sdtv3.py')
    sides = [int(inputs[i][1][0] * r) for i, r in enumerate(SDT_V3_RATIOS)]
    assert sides == [12, 11, 11, 11, 10, 9, 9, 9]
    check_every_block(inputs, records, sides, kernel_size=3, temporal=False)


def test_sdt_v3_preset_differs_from_scoring_after_the_sepconv():
    """The captured input really is the pre-SepConv tensor: scoring the mixed tensor
    selects other tokens."""
    _, records = run_preset(SDT_V3_S, 'irtop_sdtv3.py')
    _, mixed_records = run_preset(SDT_V3_S, 'irtop_sdtv3.py', score_on='mixed')
    assert all(not torch.equal(records[i], mixed_records[i]) for i in records)


@pytest.mark.parametrize('overlay', ['irtop_k0.7.py', 'irtop_k0.5.py'])
def test_generic_overlays_use_the_released_criterion(overlay):
    """Uniform-ratio overlays: the released scores, ``int(r * H * W)`` tokens."""
    ratio = 0.7 if '0.7' in overlay else 0.5
    inputs, records = run_preset(dict(type='SDTV1', arch='tiny', T=4, out_type='pooled'),
                                 overlay)
    for index, kept in records.items():
        tokens, hw = inputs[index]
        n = tokens.shape[-1]
        assert kept.shape == (tokens.shape[1], int(ratio * n))
        score = released_score(tokens, hw)
        expected = torch.topk(score, int(ratio * n), dim=1).indices
        assert_same_sets(kept, expected, score, f'{overlay} block {index}')


def hand_made_tokens() -> torch.Tensor:
    """``T=1, B=1, C=2`` on a ``1 x 3`` grid: tokens ``[1, 0]``, ``[3, 1]``, ``[1, 1]``.

    Released: the window channel-sums are positive everywhere, so ``cos = sum x /
    (|x| sqrt 2)`` = ``0.7071, 0.8944, 1``: token 0 ranks first, then 1, then 2.
    Depthwise (per-channel means of the clipped windows ``[2, 1/2]``, ``[5/3, 2/3]``,
    ``[2, 1]``): cosines ``0.9701, 0.9983, 0.9487``: token 2 first, then 0, then 1.
    """
    return torch.tensor([[1., 3., 1.], [0., 1., 1.]]).reshape(1, 1, 2, 3)


@pytest.mark.parametrize('mode,keep,expected', [
    ('reference', 1, [0]),
    ('reference', 2, [0, 1]),
    ('depthwise', 1, [2]),
    ('depthwise', 2, [0, 2]),
])
def test_released_and_paper_text_criteria_disagree_on_a_hand_made_grid(mode, keep, expected):
    overlay = 'irtop_k0.7.py' if mode == 'reference' else 'irtop_paper_text_k0.5.py'
    pruning = Config.fromfile(str(OVERLAY_DIR / overlay)).model.backbone.pruning.to_dict()
    assert pruning['scorer']['spatial']['mode'] == mode
    pruning['keep_ratio'] = keep / 3 + 1e-9  # int(r * 3) == keep
    model = make_toy(IdentityBlock, num_blocks=1, channels=2, pruning=pruning)
    model(hand_made_tokens(), (1, 3))
    (_, _, kept), = model.pruner.last_records
    assert kept.tolist() == [expected]
