"""``--pruning OVERLAY`` merges an overlay into any task config."""
import glob
import os.path as osp
from argparse import Namespace

import pytest
from mmengine.config import Config

from tpmm.engine import (apply_common_args, apply_pruning_overlay, backbone_pruning,
                         check_pruning_options, load_overlay)
from tpmm.pruning import build_pruner

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OVERLAY_DIR = osp.join(ROOT, 'configs', '_base_', 'pruning')
OVERLAYS = sorted(glob.glob(osp.join(OVERLAY_DIR, '*.py')))


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


@pytest.mark.parametrize('name', ['irtop_k0.7', 'irtop_k0.7.py'])
def test_overlay_names_resolve_like_the_file(name):
    by_name = apply_pruning_overlay(task_config(), name)
    by_file = apply_pruning_overlay(task_config(), osp.join(OVERLAY_DIR, 'irtop_k0.7.py'))
    assert by_name.model.backbone.pruning.to_dict() == by_file.model.backbone.pruning.to_dict()
    assert load_overlay(name)[0] == 'irtop_k0.7'


def test_unknown_overlay_name_lists_the_known_ones():
    with pytest.raises(FileNotFoundError, match='irtop_k0.9') as error:
        apply_pruning_overlay(task_config(), 'irtop_k0.9')
    for path in OVERLAYS:
        assert osp.splitext(osp.basename(path))[0] in str(error.value)


def tool_args(pruning=None, **cfg_options):
    return Namespace(config='task.py', launcher='none', pruning=pruning, work_dir=None,
                     cfg_options=cfg_options or None)


def unpruned_task_config():
    cfg = task_config()
    cfg.model.backbone.pruning = dict(type='NoPrune')
    return cfg


def test_tools_apply_an_overlay_name_then_cfg_options():
    cfg = apply_common_args(unpruned_task_config(), tool_args(
        ['irtop_k0.7'], **{'model.backbone.pruning.keep_ratio': 0.5}))
    assert cfg.model.backbone.pruning.type == 'IRToP'
    assert cfg.model.backbone.pruning.keep_ratio == 0.5


def test_pruning_cfg_options_without_an_overlay_ask_for_one():
    with pytest.raises(ValueError, match=r'model\.backbone\.pruning\.keep_ratio.*NoPrune.*'
                                         r'add --pruning'):
        apply_common_args(unpruned_task_config(),
                          tool_args(**{'model.backbone.pruning.keep_ratio': 0.5}))
    tracker = Config(dict(model=dict(type='ByteTrack', detector=unpruned_task_config().model)))
    with pytest.raises(ValueError, match=r'model\.detector\.backbone\.pruning\.keep_ratio'):
        apply_common_args(tracker, tool_args(
            **{'model.detector.backbone.pruning.keep_ratio': 0.5}))


def test_pruning_type_cfg_option_chooses_the_pruner_its_keys_are_checked_against():
    """``tools/demo_tracking.py``'s IRToP variant: ``pruning.type=IRToP`` on a NoPrune
    config, then IRToP's own keys."""
    options = {'model.backbone.pruning.type': 'IRToP', 'model.backbone.pruning.keep_ratio': 0.7}
    cfg = apply_common_args(unpruned_task_config(), tool_args(**options))
    assert cfg.model.backbone.pruning == dict(type='IRToP', keep_ratio=0.7)
    with pytest.raises(ValueError, match=r"pruning\.refresh_interval.*IRToP, which takes no "
                                         r"'refresh_interval'"):
        apply_common_args(unpruned_task_config(), tool_args(
            **options, **{'model.backbone.pruning.refresh_interval': 10}))


@pytest.mark.parametrize('overlay', OVERLAYS, ids=osp.basename)
@pytest.mark.parametrize('key', ['keep_ratio', 'sticky', 'prune_in_train'])
def test_pruning_option_check_agrees_with_building_the_pruner(overlay, key):
    """The check refuses a key exactly when building the pruner would fail on it."""
    cfg = apply_pruning_overlay(task_config(), overlay)
    option = {f'model.backbone.pruning.{key}': 0.5 if key == 'keep_ratio' else False}
    cfg.merge_from_dict(option)
    if rejects_keyword(backbone_pruning(cfg)):
        with pytest.raises(ValueError, match=key):
            check_pruning_options(cfg, option, [overlay])
    else:
        check_pruning_options(cfg, option, [overlay])


def rejects_keyword(pruning):
    """Whether building ``pruning`` fails on an unexpected keyword argument."""
    try:
        build_pruner(pruning, num_blocks=4)
    except TypeError as error:
        return 'unexpected keyword' in str(error)
    except ValueError:
        pass  # a value the pruner refuses, not an unknown key
    return False
