"""Pruner settings are validated at build time; the config overlays build and compose."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from helpers.pruning_toys import ToyBlock, make_toy, spikes
from tpmm.pruning import (REFERENCE_SCHEDULES, BaseTokenPruner, EViTPruner, IRToP, NoPrune,
                          ToMePruner, build_pruner)

OVERLAY_DIR = Path(__file__).parents[2] / 'configs' / '_base_' / 'pruning'
OVERLAYS = sorted(OVERLAY_DIR.glob('*.py'))


@pytest.mark.parametrize('pruner_type', ['IRToP', 'EViTPruner', 'ToMePruner'])
@pytest.mark.parametrize('settings,key', [
    (dict(keep_ratio=0.0), 'keep_ratio'),
    (dict(keep_ratio=1.5), 'keep_ratio'),
    (dict(keep_ratio=-0.2), 'keep_ratio'),
    (dict(keep_ratio='0.7'), 'keep_ratio'),
    (dict(keep_schedule=[0.9] * 9), 'keep_schedule has 9 entries .* only 8'),
    (dict(keep_schedule=[0.9, 0.0]), r'keep_schedule\[1\]'),
    (dict(keep_schedule=[0.9, 1.2]), r'keep_schedule\[1\]'),
    (dict(keep_schedule=[]), 'keep_schedule'),
    (dict(keep_schedule='sdt_v9'), 'keep_schedule'),
    (dict(keep_ratio=0.5, keep_schedule=[0.5]), 'keep_ratio and keep_schedule'),
    (dict(), 'keep_ratio and keep_schedule'),
    (dict(keep_ratio=0.5, schedule_unit='pixels'), 'schedule_unit'),
    (dict(keep_ratio=0.5, start_block=8), 'start_block'),
])
def test_bad_settings_raise_at_build_time(pruner_type, settings, key):
    with pytest.raises((ValueError, KeyError), match=key):
        build_pruner(dict(type=pruner_type, **settings), num_blocks=8)


@pytest.mark.parametrize('cfg,key', [
    (dict(type='IRToP', keep_ratio=0.5, scorer=dict(type='NoSuchScorer')), 'scorer.type'),
    (dict(type='EViTPruner', keep_ratio=0.5, scorer=dict(type='IRToP')), 'scorer.type'),
    (dict(type='NoSuchPruner'), 'pruning.type'),
    (dict(type='TemporalTokenScorer'), 'pruning.type'),
])
def test_unknown_types_name_the_key(cfg, key):
    with pytest.raises(KeyError, match=key):
        build_pruner(cfg, num_blocks=8)


def test_build_accepts_scoped_names_and_none():
    assert isinstance(build_pruner(None, num_blocks=3), NoPrune)
    assert isinstance(build_pruner(dict(type='tpmm.IRToP', keep_ratio=0.5), 3), IRToP)
    pruner = build_pruner(dict(type='IRToP', keep_ratio=0.5), num_blocks=3)
    assert pruner.num_blocks == 3


def overlay_num_blocks(cfg) -> int:
    schedule = cfg.model.backbone.pruning.get('keep_schedule')
    if isinstance(schedule, str):
        return max(8, len(REFERENCE_SCHEDULES[schedule]))
    return 8


@pytest.mark.parametrize('path', OVERLAYS, ids=[p.name for p in OVERLAYS])
def test_overlay_builds_and_runs(path):
    cfg = Config.fromfile(str(path))
    assert list(cfg.keys()) == ['model']
    assert list(cfg.model.keys()) == ['backbone']
    assert list(cfg.model.backbone.keys()) == ['pruning']
    num_blocks = overlay_num_blocks(cfg)
    pruner = build_pruner(cfg.model.backbone.pruning, num_blocks=num_blocks)
    assert isinstance(pruner, BaseTokenPruner)
    model = make_toy(ToyBlock, num_blocks=num_blocks, channels=3, pruning=pruner)
    x = spikes(2, 1, 3, 36)
    assert model(x, (6, 6)).shape == x.shape


def test_all_presets_ship():
    names = {p.name for p in OVERLAYS}
    assert {'none.py', 'irtop_k0.7.py', 'irtop_k0.5.py', 'random_k0.7.py', 'evit_k0.7.py',
            'tome_k0.7.py', 'irtop_sdtv1.py', 'irtop_qkformer.py', 'irtop_sdtv3.py',
            'irtop_paper_text_k0.5.py', 'irtop_l2_k0.5.py'} <= names


@pytest.mark.parametrize('name,cls', [('irtop_k0.7.py', IRToP), ('random_k0.7.py', IRToP),
                                      ('evit_k0.7.py', EViTPruner),
                                      ('tome_k0.7.py', ToMePruner)])
def test_keep_ratio_override_from_the_command_line(name, cls):
    cfg = Config.fromfile(str(OVERLAY_DIR / name))
    cfg.merge_from_dict({'model.backbone.pruning.keep_ratio': 0.5})
    pruner = build_pruner(cfg.model.backbone.pruning, num_blocks=8)
    assert isinstance(pruner, cls) and pruner.keep_ratio == 0.5


def test_overlay_replaces_the_task_pruning_settings():
    task = Config(dict(model=dict(type='Detector', backbone=dict(
        type='tpmm.SomeBackbone', depth=8,
        pruning=dict(type='IRToP', keep_schedule='sdt_v1', sticky=True)))))
    task.merge_from_dict(Config.fromfile(str(OVERLAY_DIR / 'evit_k0.7.py')).to_dict())
    assert task.model.backbone.depth == 8
    pruner = build_pruner(task.model.backbone.pruning, num_blocks=8)
    assert isinstance(pruner, EViTPruner) and pruner.keep_ratio == 0.7


def test_random_overlay_differs_from_irtop_selection():
    x = spikes(2, 1, 3, 36)
    selections = []
    for name in ('irtop_k0.7.py', 'random_k0.7.py'):
        cfg = Config.fromfile(str(OVERLAY_DIR / name))
        model = make_toy(ToyBlock, num_blocks=8, channels=3,
                         pruning=cfg.model.backbone.pruning)
        torch.manual_seed(0)
        model(x, (6, 6))
        selections.append(torch.stack([r.kept_index for r in model.pruner.last_records]))
    assert not torch.equal(*selections)
