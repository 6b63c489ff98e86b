"""The event-tracking configs build, name their data clearly when it is missing, and the
demo points at configs and overlays that exist."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DATASETS, MODELS, init_default_scope

from tpmm.datasets import check_data_config
from tpmm.engine import apply_pruning_overlay, resolve_overlay

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
REAL = 'configs/tracking/sot/sdtrack_sdtv1_fe108.py'
SYNTHETIC = 'configs/tracking/sot/sdtrack_sdtv1-tiny_synthetic-fe108.py'


def test_real_config_builds_and_checks_its_data_root(tmp_path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, REAL))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert model.backbone.embed_dims == cfg.model.head.in_channels == 384
    assert DATASETS.get(cfg.train_dataloader.dataset.type).__name__ == 'FE108Dataset'
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'FE108')
    with pytest.raises(FileNotFoundError, match='train_dataloader.dataset.data_root'):
        check_data_config(cfg)


def test_pruning_overlay_reaches_the_tracker_backbone():
    cfg = apply_pruning_overlay(Config.fromfile(osp.join(REPO_ROOT, SYNTHETIC)), 'irtop_k0.5')
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert type(model.backbone.pruner).__name__ == 'IRToP'
    assert model.backbone.pruner.keep_ratio == 0.5


def test_demo_points_at_existing_config_and_overlays():
    spec = importlib.util.spec_from_file_location(
        'tpmm_demo_event_tracking', osp.join(REPO_ROOT, 'tools', 'demo_event_tracking.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert osp.isfile(osp.join(REPO_ROOT, demo.CONFIG))
    for _, _, overlay in demo.VARIANTS:
        if overlay:
            assert osp.isfile(resolve_overlay(overlay))
