"""``--pruning OVERLAY`` merges an overlay into any task config."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from tpmm.engine import apply_pruning_overlay

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OVERLAYS = sorted(glob.glob(osp.join(ROOT, 'configs', '_base_', 'pruning', '*.py')))


def task_config():
    return Config(dict(model=dict(type='RetinaNet', backbone=dict(
        type='tpmm.SDTV1', T=2, pruning=dict(type='IRToP', keep_schedule='sdt_v1')))))


@pytest.mark.parametrize('overlay', OVERLAYS, ids=osp.basename)
def test_overlay_replaces_only_backbone_pruning(overlay):
    cfg = apply_pruning_overlay(task_config(), overlay)
    expected = Config.fromfile(overlay).model.backbone.pruning.to_dict()
    expected.pop('_delete_', None)
    assert cfg.model.backbone.pruning.to_dict() == expected
    assert cfg.model.backbone.T == 2 and cfg.model.type == 'RetinaNet'


def test_overlay_then_cfg_options_tunes_it():
    cfg = apply_pruning_overlay(task_config(), osp.join(ROOT, 'configs/_base_/pruning/irtop_k0.7.py'))
    cfg.merge_from_dict({'model.backbone.pruning.keep_ratio': 0.5})
    assert cfg.model.backbone.pruning.keep_ratio == 0.5


def test_bad_overlays_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        apply_pruning_overlay(task_config(), str(tmp_path / 'nope.py'))
    wrong = tmp_path / 'wrong.py'
    wrong.write_text('model = dict(neck=dict(out_channels=3))\n')
    with pytest.raises(ValueError, match='wrong.py'):
        apply_pruning_overlay(task_config(), str(wrong))


@pytest.mark.parametrize('overlay', OVERLAYS, ids=osp.basename)
def test_overlay_reaches_a_trackers_detector_backbone(overlay):
    tracker = Config(dict(model=dict(type='ByteTrack', detector=task_config().model)))
    cfg = apply_pruning_overlay(tracker, overlay)
    expected = Config.fromfile(overlay).model.backbone.pruning.to_dict()
    expected.pop('_delete_', None)
    assert cfg.model.detector.backbone.pruning.to_dict() == expected
    assert 'backbone' not in cfg.model


def test_overlay_needs_a_backbone():
    with pytest.raises(KeyError, match='model.detector.backbone'):
        apply_pruning_overlay(Config(dict(model=dict(type='ByteTrack'))),
                              osp.join(ROOT, 'configs/_base_/pruning/none.py'))
