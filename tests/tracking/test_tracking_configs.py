"""Every tracking config builds mmdet's ByteTrack around a spiking detector, tracks a tiny
clip and computes the detector loss; tools/test.py and the Runner evaluate a generated
sequence with MOTChallengeMetric (random-init weights)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmdet.models.mot import ByteTrack
from mmdet.models.trackers import ByteTracker
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs, demo_track_inputs
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from tpmm.pruning import IRToP, NoPrune
from tpmm.tracking import FrameReusePruner

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'tracking', '*.py')))
SYNTHETIC_NAME = 'retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py'
SYNTHETIC = osp.join(REPO_ROOT, 'configs', 'tracking', 'bytetrack_' + SYNTHETIC_NAME)
SYNTHETIC_REUSE = osp.join(REPO_ROOT, 'configs', 'tracking',
                           'bytetrack-frame-reuse_' + SYNTHETIC_NAME)


def test_real_and_synthetic_configs_exist():
    names = [osp.basename(path) for path in CONFIGS]
    assert ('bytetrack_retinanet_sdtv1-8-384_fpn_8xb2-12e_mot17halftrain_test-mot17halfval.py'
            in names)
    assert osp.basename(SYNTHETIC) in names and osp.basename(SYNTHETIC_REUSE) in names


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_config_tracks_a_clip_and_trains_the_detector(config):
    cfg = Config.fromfile(config)
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert isinstance(model, ByteTrack) and isinstance(model.tracker, ByteTracker)
    backbone = model.detector.backbone
    assert type(backbone).__name__ == 'SDTV1'
    reuse = 'frame-reuse' in config
    assert isinstance(backbone.pruner, FrameReusePruner if reuse else NoPrune)
    if reuse:
        assert isinstance(backbone.pruner.inner, IRToP)
        backbone.pruner.start_frame(0)
    assert cfg.custom_hooks == [dict(type='tpmm.FrameReuseHook')]

    model.eval()
    clip = demo_track_inputs(batch_size=1, num_frames=2, image_shapes=(3, 64, 64))
    with torch.no_grad():
        tracked, = model.test_step(clip)
    assert len(tracked) == 2
    for frame in tracked:
        pred = frame.pred_track_instances
        assert pred.bboxes.shape == (len(pred.instances_id), 4)
        assert len(pred.scores) == len(pred.labels) == len(pred.instances_id)
    if reuse:  # video-based sampling: frame 1 counted on from frame 0
        assert backbone.pruner.last_mode == 'reuse'

    model.train()
    frames = demo_mm_inputs(batch_size=2, image_shapes=(3, 64, 64), num_classes=2)
    for sample in frames['data_samples']:  # one class: pedestrian
        sample.gt_instances.labels.zero_()
    batch = model.data_preprocessor(frames, True)
    losses = model.loss(**batch)
    assert {'loss_cls', 'loss_bbox'} <= set(losses)
    total = sum(sum(v) if isinstance(v, list) else v for v in losses.values())
    assert torch.isfinite(total)


def synthetic_options(mot_data):
    root = str(mot_data.root) + '/'
    return [f'test_dataloader.dataset.data_root={root}', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def random_checkpoint(tmp_path_factory):
    """Random-init weights of the synthetic config's model."""
    cfg = Config.fromfile(SYNTHETIC)
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = tmp_path_factory.mktemp('checkpoint') / 'random_init.pth'
    torch.save(dict(meta=dict(note='random init'), state_dict=model.state_dict()), path)
    return str(path)


def test_test_tool_prints_hota_mota_idf1_and_draws_every_frame(mot_data, random_checkpoint,
                                                               tmp_path):
    show_dir = tmp_path / 'shown'
    result = subprocess.run(
        [sys.executable, 'tools/test.py', SYNTHETIC, random_checkpoint, '--work-dir',
         str(tmp_path), '--show-dir', str(show_dir), '--cfg-options',
         *synthetic_options(mot_data),
         # a random detector scores low: let its boxes reach the tracker and the metric
         'model.detector.test_cfg.score_thr=0.0', 'model.tracker.obj_score_thrs.high=0.0',
         'model.tracker.init_track_thr=0.0'],
        cwd=REPO_ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True,
        text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    log = result.stdout + result.stderr
    for metric in ('HOTA', 'MOTA', 'IDF1'):
        assert f'motchallenge-metric/{metric}:' in log
    assert 'HOTA: default-tracker-pedestrian' in log  # trackeval's own table
    # the random detector does find (wrong) boxes: the metric counts them as FP
    fp = float(log.split('motchallenge-metric/FP: ')[1].split()[0])
    assert fp > 0
    with open(mot_data.root / 'annotations' / 'half-val_cocoformat.json') as f:
        half_val = json.load(f)
    assert sorted(os.listdir(show_dir)) == sorted(v['name'] for v in half_val['videos'])
    assert len(glob.glob(str(show_dir / '*' / '*'))) == len(half_val['images'])


def test_runner_reuses_tokens_within_each_video(mot_data, random_checkpoint, tmp_path,
                                                monkeypatch):
    cfg = Config.fromfile(SYNTHETIC_REUSE)
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.data_root = str(mot_data.root) + '/'
    cfg.model.detector.backbone.pruning.refresh_interval = 3
    cfg.load_from = random_checkpoint
    cfg.work_dir = str(tmp_path)
    modes = []
    start_forward = FrameReusePruner.start_forward

    def record_mode(self):
        start_forward(self)
        modes.append(self.last_mode)

    monkeypatch.setattr(FrameReusePruner, 'start_forward', record_mode)
    metrics = Runner.from_cfg(cfg).test()
    assert 'motchallenge-metric/HOTA' in metrics
    # half-val: frames 6..10 of each 10-frame video, frame_id 0..3, one frame per iteration
    val_frames = mot_data.seq_length - (mot_data.seq_length // 2 + 1)
    per_video = ['score' if i % 3 == 0 else 'reuse' for i in range(val_frames)]
    assert modes == per_video * len(mot_data.sequences)
