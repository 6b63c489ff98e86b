"""Token pruning in dense models: the neck sees the unpruned feature shapes, keep ratio 1
changes nothing, and every pruning overlay composes with a detector and a segmenter."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tpmm.engine import apply_pruning_overlay

from helpers.dense_helpers import (DET_DIR, PRUNING_DIR, SEG_DIR, batch_for, build_model,
                                   is_synthetic, neck_inputs)

SIZE = 64
OVERLAYS = sorted(glob.glob(osp.join(PRUNING_DIR, '*.py')))
#: one tiny RetinaNet per backbone
TINY_DET = sorted(glob.glob(osp.join(DET_DIR, 'retinanet_*_synthetic-coco.py')))
SEG_FOR_OVERLAYS = osp.join(SEG_DIR, 'fpn_sdtv1-tiny_1xb4-400iter_synthetic-ade.py')
DET_FOR_OVERLAYS = osp.join(DET_DIR, 'mask-rcnn_sdtv1-tiny_fpn_1xb2-600iter_synthetic-coco.py')
#: overlays with a reference schedule need the paper preset of its backbone (its block
#: count); they run with T=1
SCHEDULE_CONFIGS = {
    'irtop_qkformer.py': ('mask-rcnn_qkformer-10-384_fpn_8xb2-1x_coco.py',
                          'fpn_qkformer-10-384_4xb4-80k_ade20k-512x512.py'),
    'irtop_sdtv1.py': ('mask-rcnn_sdtv1-8-384_fpn_8xb2-1x_coco.py',
                       'fpn_sdtv1-8-384_4xb4-80k_ade20k-512x512.py'),
    'irtop_sdtv3.py': ('mask-rcnn_sdtv3-l_fpn_8xb2-1x_coco.py',
                       'fpn_sdtv3-l_4xb4-80k_ade20k-512x512.py'),
}


#: the pruning policies: early stop with reassembly, drop + fuse, merge
PRUNERS = ('IRToP', 'EViTPruner', 'ToMePruner')


def with_pruning(cfg: Config, pruning: dict) -> Config:
    cfg = Config(cfg.to_dict())
    cfg.model.backbone.pruning = pruning
    return cfg


@pytest.mark.parametrize('pruner', PRUNERS)
@pytest.mark.parametrize('path', TINY_DET, ids=osp.basename)
def test_pruned_backbone_restores_the_unpruned_feature_shapes(path, pruner):
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    unpruned = build_model(cfg)
    pruned = build_model(with_pruning(cfg, dict(type=pruner, keep_ratio=0.5)))
    pruned.load_state_dict(unpruned.state_dict())
    full = neck_inputs(cfg, unpruned, SIZE)
    restored = neck_inputs(cfg, pruned, SIZE)
    # a block is recorded only when it ran on fewer tokens than the grid holds
    assert pruned.backbone.pruner.last_records, 'no block was pruned'
    assert [f.shape for f in restored] == [f.shape for f in full]
    assert len(full) == len(cfg.model.neck.in_channels)
    assert not all(torch.equal(a, b) for a, b in zip(full, restored)), \
        'keep_ratio=0.5 gave exactly the unpruned features'


@pytest.mark.parametrize('pruner', PRUNERS)
@pytest.mark.parametrize('path', TINY_DET, ids=osp.basename)
def test_keep_ratio_one_gives_exactly_the_unpruned_features(path, pruner):
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    unpruned = build_model(cfg)
    kept_all = build_model(with_pruning(cfg, dict(type=pruner, keep_ratio=1.0)))
    kept_all.load_state_dict(unpruned.state_dict())
    for a, b in zip(neck_inputs(cfg, unpruned, SIZE), neck_inputs(cfg, kept_all, SIZE)):
        assert torch.equal(a, b)
    assert not kept_all.backbone.pruner.last_records


def overlay_pairs():
    pairs = []
    for overlay in OVERLAYS:
        name = osp.basename(overlay)
        det, seg = SCHEDULE_CONFIGS.get(name, (osp.basename(DET_FOR_OVERLAYS),
                                               osp.basename(SEG_FOR_OVERLAYS)))
        pairs += [(overlay, osp.join(DET_DIR, det)), (overlay, osp.join(SEG_DIR, seg))]
    return pairs


def composed_by_inheritance(task: str, overlay: str, tmp_path) -> Config:
    """A config file inheriting ``task`` whose body is the overlay's text. (mmengine
    refuses ``_base_ = [task, overlay]``: both bases define ``model``.)"""
    composed = tmp_path / 'composed.py'
    with open(overlay) as f:
        composed.write_text(f'_base_ = [{task!r}]\n' + f.read())
    return Config.fromfile(str(composed))


@pytest.mark.parametrize('overlay,task', overlay_pairs(),
                         ids=[f'{osp.basename(o)}-{osp.basename(t)}'
                              for o, t in overlay_pairs()])
def test_overlay_composes_and_runs(overlay, task, tmp_path):
    cfg = apply_pruning_overlay(Config.fromfile(task), overlay)  # tools' --pruning
    inherited = composed_by_inheritance(task, overlay, tmp_path)
    assert cfg.model.to_dict() == inherited.model.to_dict()
    expected = Config.fromfile(overlay).model.backbone.pruning.to_dict()
    expected.pop('_delete_')
    assert cfg.model.backbone.pruning.to_dict() == expected
    assert cfg.model.backbone.T == Config.fromfile(task).model.backbone.T
    if not is_synthetic(task):
        cfg.model.backbone.T = 1

    torch.manual_seed(0)
    model = build_model(cfg).train()
    total, _ = model.parse_losses(
        model(**batch_for(cfg, model, SIZE, training=True), mode='loss'))
    assert torch.isfinite(total)
    model.eval()
    with torch.no_grad():
        results = model(**batch_for(cfg, model, SIZE, training=False), mode='predict')
    assert len(results) == 1
    if expected['type'] != 'NoPrune':
        assert model.backbone.pruner.last_records, f'{osp.basename(overlay)} never pruned'


def test_cfg_options_retune_a_composed_overlay():
    kept = {}
    for ratio in (0.7, 0.5):
        cfg = apply_pruning_overlay(Config.fromfile(DET_FOR_OVERLAYS),
                                    osp.join(PRUNING_DIR, 'irtop_k0.7.py'))
        if ratio != 0.7:
            cfg.merge_from_dict({'model.backbone.pruning.keep_ratio': ratio})
        assert cfg.model.backbone.pruning.keep_ratio == ratio
        model = build_model(cfg)
        neck_inputs(cfg, model, SIZE)
        kept[ratio] = [r.kept_index.shape[-1] for r in model.backbone.pruner.last_records]
    assert len(kept[0.5]) == len(kept[0.7]) > 0
    assert all(a < b for a, b in zip(kept[0.5], kept[0.7]))
