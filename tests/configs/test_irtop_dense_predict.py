"""Every backbone x {Mask R-CNN, RetinaNet, Semantic FPN, UPerNet} with IRToP (keep 0.5)
in eval mode: the neck / decode head gets the unpruned feature shapes and ``predict``
returns well-formed results.

The unpruned shapes are computed from the config, not from a model: level ``i`` of a
dense backbone has stride ``4 * 2**i`` and the channels the neck (Semantic FPN, the
detectors) or the decode head (UPerNet) declares.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from helpers.dense_helpers import DET_DIR, SEG_DIR, batch_for, build_model, num_classes_of

#: the tiny-preset configs of the synthetic sets: 5 backbones x 4 models
CONFIGS = sorted(glob.glob(osp.join(DET_DIR, '*_synthetic-coco.py'))
                 + glob.glob(osp.join(SEG_DIR, '*_synthetic-ade.py')))
SIZE = 64
IRTOP = dict(type='IRToP', keep_ratio=0.5)


def test_every_backbone_has_the_four_dense_models():
    backbones = {Config.fromfile(p).model.backbone.type for p in CONFIGS}
    assert backbones == {f'tpmm.{b}' for b in
                         ('Spikformer', 'SDTV1', 'SDTV2', 'SDTV3', 'QKFormer')}
    for prefix in ('mask-rcnn_', 'retinanet_', 'fpn_', 'upernet_'):
        assert len([p for p in CONFIGS if osp.basename(p).startswith(prefix)]) == 5, prefix


def head_in_channels(cfg):
    if 'neck' in cfg.model:
        return list(cfg.model.neck.in_channels)
    return list(cfg.model.decode_head.in_channels)


def irtop_config(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.pruning = IRTOP
    # keep every box so that the result structure is exercised, whatever the scores
    test_cfg = cfg.model.get('test_cfg')
    if test_cfg is not None and 'rcnn' in test_cfg:
        test_cfg.rcnn.score_thr = 0.0
    elif test_cfg is not None and 'score_thr' in test_cfg:
        test_cfg.score_thr = 0.0
    return cfg


def assert_detections(results, num_classes, max_per_img, with_mask, shape):
    for sample in results:
        pred = sample.pred_instances
        n = len(pred)
        assert 0 < n <= max_per_img
        assert pred.bboxes.shape == (n, 4) and torch.isfinite(pred.bboxes).all()
        assert (pred.bboxes[:, 2:] >= pred.bboxes[:, :2]).all()
        assert pred.scores.shape == (n,) and ((pred.scores >= 0) & (pred.scores <= 1)).all()
        assert pred.labels.shape == (n,)
        assert ((pred.labels >= 0) & (pred.labels < num_classes)).all()
        if with_mask:
            assert pred.masks.shape == (n, *shape) and pred.masks.dtype == torch.bool


def assert_segmentation(results, num_classes, shape):
    for sample in results:
        labels = sample.pred_sem_seg.data
        assert labels.shape == (1, *shape)
        assert ((labels >= 0) & (labels < num_classes)).all()
        logits = sample.seg_logits.data
        assert logits.shape == (num_classes, *shape) and torch.isfinite(logits).all()


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_irtop_eval_predict_sees_unpruned_shapes(path):
    cfg = irtop_config(path)
    torch.manual_seed(0)
    model = build_model(cfg)  # eval mode
    assert not model.training and not model.backbone.training
    data = batch_for(cfg, model, SIZE, training=False)
    features = []
    handle = model.backbone.register_forward_hook(
        lambda module, args, out: features.append([f.shape for f in out]))
    with torch.no_grad():
        results = model(**data, mode='predict')
    handle.remove()

    # the pruner ran at every prunable block, on half the tokens
    records = model.backbone.pruner.last_records
    assert sorted(r.block_index for r in records) == list(range(model.backbone.num_prunable_blocks))
    assert features, 'the backbone did not run'
    batch, _, height, width = data['inputs'].shape
    expected = [torch.Size((batch, c, height // (4 * 2**i), width // (4 * 2**i)))
                for i, c in enumerate(head_in_channels(cfg))]
    assert features[0] == expected

    num_classes = num_classes_of(cfg)
    shape = tuple(data['data_samples'][0].ori_shape)
    assert len(results) == batch
    if cfg.default_scope == 'mmseg':
        assert_segmentation(results, num_classes, shape)
    else:
        with_mask = 'roi_head' in cfg.model
        test_cfg = cfg.model.test_cfg
        max_per_img = test_cfg.rcnn.max_per_img if with_mask else test_cfg.max_per_img
        assert_detections(results, num_classes, max_per_img, with_mask, shape)
