"""The one-stream tracker: joint template / search blocks, pruning of search tokens only,
losses, and the per-sequence tracking state."""
import numpy as np
import pytest
import torch
from spikingjelly.activation_based import functional

from tpmm.registry import MODELS
from tpmm.tracking.sot import center_heatmap, focal_loss, hann_window, joint_forward

T = 2


def build_tracker(pruning=None, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(dict(
        type='OneStreamSpikingTracker',
        backbone=dict(type='SDTV1', arch='tiny', T=T, out_type='pooled', pruning=pruning),
        head=dict(type='SOTCenterHead', in_channels=64, feat_channels=16),
        template_size=64, search_size=128))
    return model.eval()


def inputs(batch=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return dict(template=(torch.rand(batch, T, 3, 64, 64, generator=g) > 0.7).float(),
                search=(torch.rand(batch, T, 3, 128, 128, generator=g) > 0.7).float())


def test_joint_blocks_equal_the_blocks_on_concatenated_tokens():
    model = build_tracker()
    data = inputs()
    backbone = model.backbone
    with torch.no_grad():
        x, z = joint_forward(backbone, data['template'].transpose(0, 1),
                             data['search'].transpose(0, 1))
        # independent computation: both crops through the stem, then every block's
        # tokenwise on [template; search] tokens
        functional.reset_net(backbone)
        zt = backbone.patch_embed(data['template'].transpose(0, 1)).flatten(3)
        functional.reset_net(backbone)
        xt = backbone.patch_embed(data['search'].transpose(0, 1)).flatten(3)
        tokens = torch.cat([zt, xt], dim=-1)
        for block in backbone.blocks:
            functional.reset_net(backbone)
            tokens = block.tokenwise(tokens)
    assert x.shape == (T, 2, 64, 8, 8) and z.shape == (T, 2, 64, 4, 4)
    torch.testing.assert_close(z.flatten(3), tokens[..., :16])
    torch.testing.assert_close(x.flatten(3), tokens[..., 16:])


def test_pruning_stops_search_tokens_only_and_keeps_output_shapes():
    data = inputs()
    dense = build_tracker()
    pruned = build_tracker(pruning=dict(type='IRToP', keep_ratio=0.5))
    full = build_tracker(pruning=dict(type='IRToP', keep_ratio=1.0))
    with torch.no_grad():
        out_dense = dense(data, mode='tensor')
        out_pruned = pruned(data, mode='tensor')
        out_full = full(data, mode='tensor')
    for key in ('score', 'size', 'offset'):
        assert out_pruned[key].shape == out_dense[key].shape
        torch.testing.assert_close(out_full[key], out_dense[key])
    assert not torch.allclose(out_pruned['score'], out_dense['score'])
    records = pruned.backbone.pruner.last_records
    assert [record.block_index for record in records] == [0, 1]
    for _, hw, kept in records:   # half of the 8 x 8 search tokens, none of the template's
        assert hw == (8, 8)
        assert kept.shape == (2, 32) and int(kept.max()) < 64


def test_loss_targets_and_training_step_reduce_the_loss():
    heat, index = center_heatmap(torch.tensor([[0.25, 0.5, 0.5, 0.75]]), (8, 8))
    assert int(index) == 5 * 8 + 3     # centre (0.375, 0.625) -> row 5, column 3
    assert heat[0, 0, 5, 3] == 1 and heat[0, 0].eq(1).sum() == 1
    assert focal_loss(torch.full((1, 1, 8, 8), 20.0) * (2 * heat - 1), heat) < 0.05
    model = build_tracker().train()
    data = inputs(batch=4)
    samples = dict(search_box=torch.tensor([[0.4, 0.4, 0.6, 0.6]] * 4))
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(6):
        loss = model(data, samples, mode='loss')
        assert set(loss) == {'loss_focal', 'loss_giou', 'loss_l1'}
        total = sum(loss.values())
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append(float(total.detach()))
    assert losses[-1] < losses[0]


def test_predict_tracks_a_sequence_in_order():
    model = build_tracker()
    frames = torch.zeros(1, T, 3, 96, 128)
    box = torch.tensor([[40.0, 30.0, 20.0, 16.0]], dtype=torch.float64)

    def sample(i):
        return dict(seq_name=['s'], frame_index=torch.tensor([i]), num_frames=torch.tensor([3]),
                    init_box=box, gt_box=box)

    first = model(dict(frames=frames), sample(0), mode='predict')[0]
    np.testing.assert_array_equal(first['pred_box'], box[0].numpy())
    second = model(dict(frames=frames), sample(1), mode='predict')[0]
    x, y, w, h = second['pred_box']
    assert 0 <= x and 0 <= y and x + w <= 128 + 1e-6 and y + h <= 96 + 1e-6
    with pytest.raises(RuntimeError, match='out of order'):
        model(dict(frames=frames), sample(5), mode='predict')
    with pytest.raises(ValueError, match="sequence s: the first frame's box"):
        model(dict(frames=frames), dict(sample(0), init_box=torch.zeros(1, 4)), mode='predict')
    assert hann_window(3, 4).min() > 0


@pytest.mark.parametrize('backbone, search_grids', [
    (dict(type='Spikformer', arch='tiny'), [64, 64]),
    (dict(type='SDTV3', arch='tiny'), [64, 64, 16]),    # stages 2 (stride 16) and 3 (32)
])
def test_other_backbones_prune_search_tokens_and_attend_to_the_template(backbone,
                                                                        search_grids):
    def tracker(pruning):
        torch.manual_seed(0)
        return MODELS.build(dict(
            type='OneStreamSpikingTracker',
            backbone=dict(backbone, T=T, out_type='pooled', pruning=pruning),
            head=dict(type='SOTCenterHead', in_channels=64, feat_channels=16))).eval()

    data = inputs()
    dense, pruned, full = (tracker(None), tracker(dict(type='IRToP', keep_ratio=0.5)),
                           tracker(dict(type='IRToP', keep_ratio=1.0)))
    with torch.no_grad():
        out = dense(data, mode='tensor')['score']
        torch.testing.assert_close(full(data, mode='tensor')['score'], out)
        assert pruned(data, mode='tensor')['score'].shape == out.shape
        # batch statistics in BN (an untrained net in eval mode passes almost nothing)
        dense.train()
        search = data['search'].transpose(0, 1)
        x1, _ = joint_forward(dense.backbone, data['template'].transpose(0, 1), search)
        x2, _ = joint_forward(dense.backbone, 1 - data['template'].transpose(0, 1), search)
        assert not torch.allclose(x1, x2)
    kept = [k.shape[1] for _, _, k in pruned.backbone.pruner.last_records]
    assert kept == [n // 2 for n in search_grids]


def test_unsupported_backbone_is_refused_by_name():
    with pytest.raises(TypeError, match='QKFormer cannot serve'):
        MODELS.build(dict(type='OneStreamSpikingTracker',
                          backbone=dict(type='QKFormer', arch='tiny', T=T, out_type='pooled'),
                          head=dict(type='SOTCenterHead', in_channels=64)))
