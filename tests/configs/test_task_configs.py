"""Every detection / segmentation config loads, is wired to its backbone, builds, and runs
a loss and a predict forward."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from helpers.dense_helpers import (DET_DIR, batch_for, build_backbone, build_model,
                                   is_synthetic, task_configs)

CONFIGS = task_configs()
HEADS = ('mask-rcnn', 'retinanet', 'fpn', 'upernet')
#: file-name key -> registered backbone class
BACKBONES = dict(spikformer='Spikformer', sdtv1='SDTV1', sdtv2='SDTV2', sdtv3='SDTV3',
                 qkformer='QKFormer')
NAME = re.compile(r'^({})_({})-([^_]+)_'.format('|'.join(HEADS), '|'.join(BACKBONES)))
IDS = [osp.basename(p) for p in CONFIGS]
#: side of the test image: a multiple of every backbone's stride, small enough for CPU
SIZE = 64


def parse_name(path: str):
    """``(head, backbone key, arch)`` from ``{head}_{backbone}-{arch}_...py``."""
    match = NAME.match(osp.basename(path))
    assert match, f'{osp.basename(path)} does not follow {{head}}_{{backbone}}-{{arch}}_...'
    return match.groups()


def test_every_backbone_has_every_head_on_real_and_synthetic_data():
    found = {(parse_name(p)[0], parse_name(p)[1], is_synthetic(p)) for p in CONFIGS}
    expected = {(head, backbone, synthetic) for head in HEADS for backbone in BACKBONES
                for synthetic in (False, True)}
    assert expected <= found, f'missing: {sorted(expected - found)}'


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_file_name_states_head_backbone_and_preset(path):
    head, backbone, arch = parse_name(path)
    cfg = Config.fromfile(path)
    assert cfg.model.backbone.type == 'tpmm.' + BACKBONES[backbone]
    assert cfg.model.backbone.arch == arch
    model_type = {'mask-rcnn': 'MaskRCNN', 'retinanet': 'RetinaNet'}.get(head, 'EncoderDecoder')
    assert cfg.model.type == model_type
    if head in ('fpn', 'upernet'):
        assert cfg.model.decode_head.type == {'fpn': 'FPNHead', 'upernet': 'UPerHead'}[head]


#: ``_{gpus}xb{batch}-{schedule}_`` of mmdet / mmseg file names
TRAINING = re.compile(r'_(\d+)xb(\d+)-(\w+)_')


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_file_name_states_batch_and_schedule(path):
    match = TRAINING.search(osp.basename(path))
    assert match, f'{osp.basename(path)} has no _{{N}}xb{{B}}-{{schedule}}_ part'
    batch, schedule = int(match[2]), match[3]
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.batch_size == batch
    loop = cfg.train_cfg
    if loop.type == 'EpochBasedTrainLoop':  # mmdet: 1x = 12 epochs
        assert schedule == f'{loop.max_epochs // 12}x' and loop.max_epochs % 12 == 0
    elif loop.max_iters % 1000 == 0:  # mmseg: 80k, 160k iterations
        assert schedule == f'{loop.max_iters // 1000}k'
    else:
        assert schedule == f'{loop.max_iters}iter'


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_config_declares_scope_imports_and_tpmm_backbone(path):
    cfg = Config.fromfile(path)
    expected_scope = 'mmdet' if osp.dirname(path) == DET_DIR else 'mmseg'
    assert cfg.default_scope == expected_scope
    assert cfg.custom_imports == dict(imports=['tpmm'], allow_failed_imports=False)
    assert cfg.model.backbone.type.startswith('tpmm.')
    assert cfg.model.backbone.out_type == 'featmap'
    assert cfg.model.backbone.pruning.type == 'NoPrune'
    data_root = cfg.train_dataloader.dataset.data_root
    assert ('synthetic' in data_root) == is_synthetic(path), data_root


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_heads_read_the_backbone_channels_and_inputs_pad_to_its_stride(path):
    cfg = Config.fromfile(path)
    backbone = build_backbone(cfg)
    channels = [backbone.out_channels[i] for i in cfg.model.backbone.out_indices]
    if 'neck' in cfg.model:
        assert list(cfg.model.neck.in_channels) == channels
    else:  # UPerNet: the decode and auxiliary heads read the backbone directly
        assert list(cfg.model.decode_head.in_channels) == channels
        aux = cfg.model.auxiliary_head
        assert aux.in_channels == channels[aux.in_index]
    preprocessor = cfg.model.data_preprocessor
    divisor = preprocessor.get('pad_size_divisor', preprocessor.get('size_divisor'))
    assert divisor % backbone.stride == 0
    if cfg.default_scope == 'mmseg':
        assert preprocessor.test_cfg.size_divisor % backbone.stride == 0


@pytest.mark.parametrize('path', CONFIGS, ids=IDS)
def test_model_runs_loss_and_predict(path):
    """Tiny presets as given; paper presets as given except T=1 (the same layers)."""
    cfg = Config.fromfile(path)
    if not is_synthetic(path):
        cfg.model.backbone.T = 1
    torch.manual_seed(0)
    model = build_model(cfg).train()
    losses = model(**batch_for(cfg, model, SIZE, training=True), mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters()), 'no gradient reached the backbone'
    model.eval()
    with torch.no_grad():
        results = model(**batch_for(cfg, model, SIZE, training=False), mode='predict')
    assert len(results) == 1
    if cfg.default_scope == 'mmseg':
        assert results[0].pred_sem_seg.data.shape[-2:] == (SIZE, SIZE)
    else:
        assert 'bboxes' in results[0].pred_instances
