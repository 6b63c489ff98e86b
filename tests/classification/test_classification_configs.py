"""configs/classification: a config per paper classifier, on stock mmpretrain components,
whose head fits the backbone, whose pipelines run on a real image and to which the
pruning overlays apply."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope
from PIL import Image

from helpers.spiking_backbone_checks import REPO_ROOT
from tpmm.datasets import check_data_config
from tpmm.engine import apply_pruning_overlay
from tpmm.registry import MODELS

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'classification', '*.py')))
#: the classifiers of the paper's ImageNet experiments and of the official repositories
PAPER_CLASSIFIERS = {('SDTV1', '8-384'), ('SDTV1', '8-768'), ('QKFormer', '10-384'),
                     ('QKFormer', '10-768'), ('Spikformer', '8-384'), ('Spikformer', '8-768'),
                     ('SDTV2', '8-512'), ('SDTV3', 's'), ('SDTV3', 'm'), ('SDTV3', 'l')}
OFFICIAL_REPOSITORIES = ('BICLab/Spike-Driven-Transformer', 'zhouchenlin2096/QKFormer',
                         'ZK-Zhou/spikformer')


def backbone_width(backbone: dict) -> int:
    """Width of the pooled features, from the backbone class's preset table."""
    cls = MODELS.get(backbone['type'].split('.', 1)[1])
    dims = cls.arch_zoo[backbone['arch']]['embed_dims']
    return dims[-1] if isinstance(dims, (tuple, list)) else dims


def test_a_config_per_paper_classifier():
    found = set()
    for path in CONFIGS:
        backbone = Config.fromfile(path).model.backbone
        found.add((backbone['type'].split('.', 1)[1], backbone['arch']))
    assert found == PAPER_CLASSIFIERS


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_stock_mmpretrain_classifier_whose_head_fits(path):
    cfg = Config.fromfile(path)
    with open(path) as f:
        header = f.read().split('\n_base_ = ')[0]
    assert any(repo in header for repo in OFFICIAL_REPOSITORIES), 'recipe source not named'
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.model.type == 'ImageClassifier' and cfg.model.head.type == 'LinearClsHead'
    assert cfg.model.backbone.out_type == 'pooled'
    assert cfg.model.head.num_classes == cfg.data_preprocessor.num_classes == 1000
    assert cfg.model.head.in_channels == backbone_width(cfg.model.backbone)
    for split in ('val', 'test'):
        assert cfg[f'{split}_evaluator'] == dict(type='Accuracy', topk=(1, 5))
        assert cfg[f'{split}_dataloader'].dataset.type == 'ImageNet'
    assert cfg.train_dataloader.dataset.split == 'train'
    assert cfg.test_dataloader.dataset.split == 'val'
    apply_pruning_overlay(cfg, 'irtop_k0.7')
    assert cfg.model.backbone.pruning['type'] == 'IRToP'
    assert cfg.model.backbone.pruning['keep_ratio'] == 0.7


@pytest.fixture(scope='module')
def photo(tmp_path_factory):
    from skimage import data
    path = str(tmp_path_factory.mktemp('photo') / 'astronaut.png')
    Image.fromarray(data.astronaut()).save(path)
    return path


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_pipelines_give_224_px_inputs(path, photo):
    cfg = Config.fromfile(path)
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.test_dataloader.dataset.pipeline):
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            packed = Compose(pipeline)(dict(img_path=photo, gt_label=3))
        assert tuple(packed['inputs'].shape) == (3, 224, 224)
        assert int(packed['data_samples'].gt_label) == 3
    # the test pipeline is deterministic
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        test = Compose(cfg.test_dataloader.dataset.pipeline)
        again = [test(dict(img_path=photo))['inputs'].numpy() for _ in range(2)]
    assert np.array_equal(*again)


def test_data_checks_name_a_missing_imagenet_split(tmp_path):
    cfg = Config.fromfile(CONFIGS[0])
    (tmp_path / 'train' / 'n00000000').mkdir(parents=True)
    (tmp_path / 'train' / 'n00000000' / 'a.png').write_bytes(b'')
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(tmp_path)
    check_data_config(cfg, splits=('train', ))  # data_root/train holds the images
    with pytest.raises(FileNotFoundError,
                       match=r'val_dataloader\.dataset\.data_prefix\.img_path: folder .*val'):
        check_data_config(cfg, splits=('train', 'val'))
    cfg.val_dataloader.dataset.data_prefix = 'train'  # one folder, mmpretrain's string form
    check_data_config(cfg, splits=('train', 'val'))
