"""Shared by the config tests: find the task configs, build their models, feed them a
tiny batch in mmdet / mmseg's packed format."""
import glob
import os.path as osp
from typing import List

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import MODELS, init_default_scope
from mmengine.structures import PixelData

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_DIR = osp.join(REPO_ROOT, 'configs', 'detection')
SEG_DIR = osp.join(REPO_ROOT, 'configs', 'segmentation')
PRUNING_DIR = osp.join(REPO_ROOT, 'configs', '_base_', 'pruning')


def task_configs() -> List[str]:
    """Every detection and segmentation config file."""
    return sorted(glob.glob(osp.join(DET_DIR, '*.py')) + glob.glob(osp.join(SEG_DIR, '*.py')))


def is_synthetic(path: str) -> bool:
    """Tiny-preset configs of the synthetic demo sets."""
    return 'synthetic' in osp.basename(path)


def build_model(cfg: Config):
    """The config's whole model in its default scope, SyncBN turned into BN, eval mode."""
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    return revert_sync_batchnorm(model).eval()


def build_backbone(cfg: Config):
    init_default_scope(cfg.default_scope)
    return MODELS.build(cfg.model.backbone)


def batch_size_for(training: bool) -> int:
    """Two images in training (BatchNorm after a 1x1 pooling needs them), else one."""
    return 2 if training else 1


def det_batch(model, size: int, num_classes: int, with_mask: bool, training: bool) -> dict:
    """Preprocessed ``size`` x ``size`` images with three boxes (and masks) each."""
    from mmdet.testing import demo_mm_inputs
    num = batch_size_for(training)
    data = demo_mm_inputs(batch_size=num, image_shapes=[(3, size, size)] * num,
                          num_items=[3] * num, num_classes=num_classes, with_mask=with_mask)
    return model.data_preprocessor(data, training)


def seg_batch(model, size: int, num_classes: int, training: bool) -> dict:
    """Preprocessed ``size`` x ``size`` images with random label maps."""
    from mmseg.structures import SegDataSample
    generator = torch.Generator().manual_seed(0)
    images, samples = [], []
    for _ in range(batch_size_for(training)):
        images.append(torch.randint(0, 256, (3, size, size), generator=generator,
                                    dtype=torch.uint8))
        labels = torch.randint(0, num_classes, (1, size, size), generator=generator)
        sample = SegDataSample(gt_sem_seg=PixelData(data=labels))
        sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    return model.data_preprocessor(dict(inputs=images, data_samples=samples), training)


def num_classes_of(cfg: Config) -> int:
    model = cfg.model
    if 'decode_head' in model:
        return model.decode_head.num_classes
    if 'roi_head' in model:
        return model.roi_head.bbox_head.num_classes
    return model.bbox_head.num_classes


def batch_for(cfg: Config, model, size: int, training: bool) -> dict:
    """A preprocessed batch suited to the config's task."""
    if cfg.default_scope == 'mmseg':
        return seg_batch(model, size, num_classes_of(cfg), training)
    with_mask = 'roi_head' in cfg.model and 'mask_head' in cfg.model.roi_head
    return det_batch(model, size, num_classes_of(cfg), with_mask, training)


def neck_inputs(cfg: Config, model, size: int) -> tuple:
    """The backbone's dense outputs (the neck's / decode head's inputs) on one image.

    Runs in training mode: BatchNorm then normalises with batch statistics, so a freshly
    initialised spiking backbone fires (with its initial running statistics, deep
    stages of some backbones stay silent and every output would be zero)."""
    data = batch_for(cfg, model, size, training=False)
    model.train()
    with torch.no_grad():
        return model.backbone(data['inputs'])
