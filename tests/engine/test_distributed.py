"""Data-parallel training is the same training: the tiny SDT-V1 RetinaNet of
``configs/detection`` trained for a few iterations by ``tools/dist_train.sh`` with 2 gloo
processes of batch B matches ``tools/train.py`` with 1 process of batch 2B -- the same
images per step, the same loss curve and the same weights, within a stated tolerance.

What has to hold for the two to be the same computation, and how the test makes it hold:

* Batch norm. There is no SyncBN on CPU (``torch.nn.SyncBatchNorm`` needs CUDA), so in
  training mode each process would normalise with the statistics of its own B images
  instead of all 2B. The model has no SyncBN layer (asserted); the batch-norm layers
  are frozen (eval mode: running statistics, as mmdet's ``norm_eval=True``) in both
  runs, which makes the result independent of the split. Both runs start from one
  checkpoint whose backbone fires and depends on the image (see
  :func:`initial_checkpoint`).
* Loss normalisation. mmdet's RetinaNet divides its losses by the number of positive
  anchors of the process' own batch (``AnchorHead`` does not all-reduce it), and DDP
  averages the gradients of the processes; that equals the 2B-image loss only when both
  halves hold the same number of positive anchors. Every image of the test set has the
  same two boxes (classes and pixels differ), so every image has the same positives.
* Data. ``DefaultSampler`` gives rank r the indices ``r, r + 2, ...`` of the shuffled
  order: each step the two processes see exactly the 2B images of the single run. No
  random flip (each process would draw its own).
* Optimizer. SGD with momentum: the update is linear in the gradient. (Adam divides by
  the root of the squared gradient, which turns float rounding of gradients that should
  be zero into full-size steps.)

Tolerance: the two runs sum the same terms in a different order (per-process then
all-reduce vs one batch), and a spike could flip if a membrane potential sat within
rounding of the threshold. The mean of the two processes' losses equals the single
run's loss to ``rtol=1e-5`` at every iteration, and every weight agrees to
``atol=1e-6, rtol=1e-4`` after 3 iterations, while the iterations move the backbone,
neck and head weights by more than 100x ``atol`` (measured: |difference| <= 1.5e-8,
loss rel. difference <= 1e-7; the backbone moves by 2.8e-4, the head by 1.5e-2).
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from PIL import Image
from torch import nn

from tpmm.engine import teardown_distributed

pytestmark = pytest.mark.slow
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HERE = osp.dirname(osp.abspath(__file__))
CONFIG = osp.join(ROOT, 'configs', 'detection', 'retinanet_sdtv1-tiny_fpn_1xb2-600iter_synthetic-coco.py')
ITERS = 3
PER_PROCESS = 2  # B
SIZE = 64
#: the two boxes of every image (x, y, w, h)
BOXES = ((6, 8, 26, 22), (34, 30, 24, 28))
LOSS_RTOL = 1e-5
WEIGHT_ATOL, WEIGHT_RTOL = 1e-6, 1e-4


def write_fixed_layout_coco(root, classes, num_images=8, seed=0):
    """COCO-format train split: noise images with the boxes of BOXES filled in a
    class-specific colour; the classes of the two boxes vary per image."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'train2017'))
    os.makedirs(osp.join(root, 'annotations'))
    colours = rng.integers(0, 256, (len(classes), 3))
    images, annotations = [], []
    for image_id in range(1, num_images + 1):
        pixels = rng.integers(0, 96, (SIZE, SIZE, 3), dtype=np.uint8)
        for x, y, w, h in BOXES:
            label = int(rng.integers(len(classes)))
            pixels[y:y + h, x:x + w] = colours[label]
            annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                    category_id=label + 1, bbox=[x, y, w, h], area=w * h,
                                    iscrowd=0))
        name = f'{image_id:04d}.png'
        Image.fromarray(pixels).save(osp.join(root, 'train2017', name))
        images.append(dict(id=image_id, file_name=name, height=SIZE, width=SIZE))
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(classes)]
    with open(osp.join(root, 'annotations', 'instances_train2017.json'), 'w') as f:
        json.dump(dict(images=images, annotations=annotations, categories=categories), f)


def initial_checkpoint(path):
    """The config's model with He-normal backbone convolutions and spread-out batch-norm
    statistics: with a fresh model's unit statistics and frozen batch norm the spiking
    stem stays silent and the backbone's output does not depend on the image."""
    cfg = Config.fromfile(CONFIG)
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in model.modules())
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.backbone.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.weight.uniform_(0.5, 2.0, generator=gen)
                module.bias.uniform_(-0.5, 1.0, generator=gen)
                module.running_mean.uniform_(-0.3, 0.3, generator=gen)
                module.running_var.uniform_(0.5, 1.5, generator=gen)
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                module.weight.normal_(0, (2.0 / module.weight[0].numel()) ** 0.5,
                                      generator=gen)
        model.eval()
        features = model.backbone(torch.randn(2, 3, SIZE, SIZE, generator=gen))
    assert all((f[0] != f[1]).any() for f in features), 'the backbone ignores its input'
    torch.save(dict(state_dict=model.state_dict()), path)
    return model.state_dict()


def write_config(path, data_root, batch_size, load_from):
    path.write_text(f"""_base_ = [{CONFIG!r}]
custom_imports = dict(imports=['tpmm', 'training_hooks'], allow_failed_imports=False)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=({SIZE}, {SIZE}), keep_ratio=True),
    dict(type='PackDetInputs')
]
train_dataloader = dict(
    batch_size={batch_size}, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_root={data_root!r}, filter_cfg=dict(filter_empty_gt=False),
                 pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(max_iters={ITERS}, val_interval={ITERS + 1})
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0,
                        end={ITERS})]
default_hooks = dict(checkpoint=dict(interval={ITERS}), logger=dict(interval=1))
log_processor = dict(window_size=1)
custom_hooks = [dict(type='FreezeBatchNormHook'), dict(type='RecordTrainingHook')]
load_from = {load_from!r}
""")
    return str(path)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(args, **env):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, HERE]), PYTHON=sys.executable,
               OMP_NUM_THREADS='1', **env)
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return proc.stdout + proc.stderr


def records(work_dir, rank):
    with open(osp.join(work_dir, f'record_rank{rank}.jsonl')) as f:
        return [json.loads(line) for line in f]


def test_two_gloo_processes_match_one_process_with_the_whole_batch(tmp_path):
    classes = Config.fromfile(CONFIG).train_dataloader.dataset.metainfo.classes
    data_root = str(tmp_path / 'data')
    write_fixed_layout_coco(data_root, classes)
    init_path = str(tmp_path / 'init.pth')
    init = initial_checkpoint(init_path)

    single_dir, dist_dir = str(tmp_path / 'single'), str(tmp_path / 'dist')
    run([sys.executable, 'tools/train.py',
         write_config(tmp_path / 'single.py', data_root, 2 * PER_PROCESS, init_path),
         '--work-dir', single_dir])
    run(['bash', 'tools/dist_train.sh',
         write_config(tmp_path / 'dist.py', data_root, PER_PROCESS, init_path),
        '2', '--work-dir', dist_dir], PORT=str(free_port()))

    single = records(single_dir, 0)
    ranks = [records(dist_dir, 0), records(dist_dir, 1)]
    assert len(single) == len(ranks[0]) == len(ranks[1]) == ITERS
    for it in range(ITERS):
        whole = sorted(b['img_id'] for b in single[it]['batch'])
        split = [sorted(b['img_id'] for b in r[it]['batch']) for r in ranks]
        assert len(split[0]) == len(split[1]) == PER_PROCESS
        assert sorted(split[0] + split[1]) == whole, f'iteration {it + 1}: other images'
        assert not set(split[0]) & set(split[1])
        assert single[it]['lr'] == ranks[0][it]['lr'] == ranks[1][it]['lr']
        for key in ('loss', 'loss_cls', 'loss_bbox'):
            mean = (ranks[0][it]['losses'][key] + ranks[1][it]['losses'][key]) / 2
            assert mean == pytest.approx(single[it]['losses'][key], rel=LOSS_RTOL), \
                f'iteration {it + 1} {key}'
    # the loss curve moves: the runs are not compared on a flat line
    assert single[0]['losses']['loss'] != pytest.approx(single[-1]['losses']['loss'],
                                                         rel=100 * LOSS_RTOL)

    a = torch.load(osp.join(single_dir, f'iter_{ITERS}.pth'), map_location='cpu',
                   weights_only=True)['state_dict']
    b = torch.load(osp.join(dist_dir, f'iter_{ITERS}.pth'), map_location='cpu',
                   weights_only=True)['state_dict']
    assert a.keys() == b.keys() == init.keys()
    moved = {}
    for key in a:
        if not a[key].is_floating_point():
            assert torch.equal(a[key], b[key]), key
            continue
        torch.testing.assert_close(b[key], a[key], atol=WEIGHT_ATOL, rtol=WEIGHT_RTOL,
                                   msg=lambda m, key=key: f'{key}: {m}')
        moved[key] = (a[key] - init[key]).abs().max().item()
    # training moved the weights of the backbone, the neck and the head far beyond the
    # tolerance
    for part in ('backbone.', 'neck.', 'bbox_head.'):
        assert max(v for k, v in moved.items() if k.startswith(part)) > 100 * WEIGHT_ATOL, part


def test_teardown_destroys_the_process_group_and_is_a_no_op_without_one():
    dist = torch.distributed
    teardown_distributed()  # nothing started: nothing to do
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port()}', rank=0,
                            world_size=1)
    assert dist.is_initialized()
    teardown_distributed()
    assert not dist.is_initialized()
