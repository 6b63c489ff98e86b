"""Training survives a kill: ``tools/train.py --resume`` after a SIGKILL continues
exactly where the uninterrupted run would be, and a kill while a checkpoint is being
written never leaves ``--resume`` pointing at a broken file.

The model is the tiny SDT-V1 RetinaNet of ``configs/detection`` (T=2, AdamW, linear
warm-up: the learning rate changes every iteration) on a generated COCO-format set at
64x64 with random flips; checkpoints every 3 iterations. The reference is one run of 6
iterations; every comparison is exact (same machine, same thread count, CPU).
"""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tpmm.datasets.synthetic_coco import SyntheticCocoGenerator

pytestmark = pytest.mark.slow
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HERE = osp.dirname(osp.abspath(__file__))
CONFIG = osp.join(ROOT, 'configs', 'detection', 'retinanet_sdtv1-tiny_fpn_1xb2-600iter_synthetic-coco.py')
ITERS = 6
INTERVAL = 3


def write_config(path, data_root, max_keep_ckpts=-1, **hooks):
    """A child of CONFIG: the generated data at 64x64, 6 iterations, checkpoints every 3
    (the last ``max_keep_ckpts`` kept), no validation, the recording hook (and a
    KillHook when ``hooks`` are given)."""
    custom_hooks = [dict(type='RecordTrainingHook')]
    if hooks:
        custom_hooks.append(dict(type='KillHook', **hooks))
    path.write_text(f"""_base_ = [{CONFIG!r}]
custom_imports = dict(imports=['tpmm', 'training_hooks'], allow_failed_imports=False)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={data_root!r}, pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(max_iters={ITERS}, val_interval={ITERS + 1})
default_hooks = dict(checkpoint=dict(interval={INTERVAL}, max_keep_ckpts={max_keep_ckpts}),
                     logger=dict(interval=1))
log_processor = dict(window_size=1)
custom_hooks = {custom_hooks!r}
""")
    return str(path)


def train(config, work_dir, *args, expect_kill=False):
    """``tools/train.py`` in a subprocess; returns its output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, HERE]), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
                           *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    if expect_kill:
        assert proc.returncode == -signal.SIGKILL, f'not killed ({proc.returncode}):\n{out[-3000:]}'
    else:
        assert proc.returncode == 0, out[-5000:]
    return out


def records(work_dir):
    """Per iteration number, the last record of it (a resumed run re-runs nothing)."""
    with open(osp.join(work_dir, 'record_rank0.jsonl')) as f:
        return {r['iter']: r for r in map(json.loads, f)}


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def assert_same_tensors(a, b, what):
    """Nested dicts / lists of tensors and numbers are exactly equal."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), what
        for key in a:
            assert_same_tensors(a[key], b[key], f'{what}.{key}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), what
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_tensors(x, y, f'{what}[{i}]')
    elif torch.is_tensor(a):
        assert torch.equal(a, b), f'{what} differs (max {(a.float() - b.float()).abs().max()})'
    else:
        assert a == b, f'{what}: {a} != {b}'


def assert_same_training_state(path, reference):
    """Weights (and BN statistics), optimizer state with its learning rates, scheduler
    state and iteration of two checkpoints are exactly equal."""
    ckpt, ref = load(path), load(reference)
    assert ckpt['meta']['iter'] == ref['meta']['iter'] == ITERS
    assert_same_tensors(ckpt['state_dict'], ref['state_dict'], 'state_dict')
    assert_same_tensors(ckpt['optimizer'], ref['optimizer'], 'optimizer')
    assert_same_tensors(ckpt['param_schedulers'], ref['param_schedulers'], 'param_schedulers')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('resume_coco')
    SyntheticCocoGenerator(height=64, width=64, objects_per_image=(1, 3), empty_ratio=0.0,
                           seed=7).write(str(root), num_train=8, num_val=1)
    return str(root)


@pytest.fixture(scope='module')
def reference(tmp_path_factory, data_root):
    """The uninterrupted run: work dir and per-iteration records."""
    tmp = tmp_path_factory.mktemp('uninterrupted')
    work_dir = str(tmp / 'work')
    train(write_config(tmp / 'cfg.py', data_root), work_dir)
    return work_dir, records(work_dir)


def test_kill_then_resume_equals_uninterrupted_training(reference, data_root, tmp_path):
    ref_dir, ref_records = reference
    assert sorted(ref_records) == list(range(1, ITERS + 1))
    lrs = [ref_records[i]['lr'] for i in range(1, ITERS + 1)]
    assert len(set(map(tuple, lrs))) == ITERS, 'the warm-up changes the lr every iteration'
    flips = {image['flip'] for r in ref_records.values() for image in r['batch']}
    assert flips == {True, False}, 'the data order check covers the random flips'

    work_dir = str(tmp_path / 'work')
    killed = write_config(tmp_path / 'killed.py', data_root, after_iter=INTERVAL + 1)
    train(killed, work_dir, expect_kill=True)
    first = records(work_dir)
    assert sorted(first) == list(range(1, INTERVAL + 2))  # iteration 4 ran, then the kill
    assert osp.basename(last_checkpoint(work_dir)) == f'iter_{INTERVAL}.pth'
    assert not osp.exists(osp.join(work_dir, f'iter_{INTERVAL + 1}.pth'))

    out = train(write_config(tmp_path / 'resume.py', data_root), work_dir, '--resume')
    assert f'resumed epoch: 0, iter: {INTERVAL}' in out
    resumed = records(work_dir)
    # iterations 1-3 from before the kill, 4-6 after the resume: same images in the same
    # order with the same flips, same learning rate, same losses as the single run
    for i in range(1, ITERS + 1):
        assert resumed[i] == ref_records[i], f'iteration {i}'
    assert_same_training_state(osp.join(work_dir, f'iter_{ITERS}.pth'),
                               osp.join(ref_dir, f'iter_{ITERS}.pth'))


def test_kill_while_writing_a_checkpoint_keeps_resume_on_a_complete_one(
        reference, data_root, tmp_path):
    """With ``max_keep_ckpts=1``: the stock hook deletes iter_3.pth before it writes
    iter_6.pth, so a kill during that write would leave nothing to resume from."""
    ref_dir, _ = reference
    work_dir = str(tmp_path / 'work')
    killed = write_config(tmp_path / 'killed.py', data_root, max_keep_ckpts=1,
                          during_save=ITERS)
    train(killed, work_dir, expect_kill=True)
    final = osp.join(work_dir, f'iter_{ITERS}.pth')
    previous = osp.join(work_dir, f'iter_{INTERVAL}.pth')
    partial = final + '.partial'
    assert not osp.exists(final)
    assert 0 < osp.getsize(partial) < osp.getsize(osp.join(ref_dir, f'iter_{ITERS}.pth'))
    with pytest.raises(Exception):
        load(partial)  # the half-written file is unreadable
    assert last_checkpoint(work_dir) == previous
    assert load(previous)['meta']['iter'] == INTERVAL  # still there, complete

    resume = write_config(tmp_path / 'resume.py', data_root, max_keep_ckpts=1)
    out = train(resume, work_dir, '--resume')
    assert f'resumed epoch: 0, iter: {INTERVAL}' in out
    assert last_checkpoint(work_dir) == final
    assert not osp.exists(previous)  # max_keep_ckpts=1, once iter_6.pth is in place
    assert not [n for n in os.listdir(work_dir) if n.endswith('.partial')]
    assert_same_training_state(final, osp.join(ref_dir, f'iter_{ITERS}.pth'))


def test_resume_falls_back_from_a_truncated_checkpoint_with_a_warning(reference, data_root,
                                                                      tmp_path):
    """A truncated file named by last_checkpoint (as a kill during the stock
    CheckpointHook's in-place write leaves it, or a copy cut short)."""
    ref_dir, _ = reference
    work_dir = str(tmp_path / 'work')
    os.makedirs(work_dir)
    for name in (f'iter_{INTERVAL}.pth', f'iter_{ITERS}.pth'):
        shutil.copy(osp.join(ref_dir, name), work_dir)
    broken = osp.join(work_dir, f'iter_{ITERS}.pth')
    size = osp.getsize(broken)
    with open(broken, 'r+b') as f:
        f.truncate(size // 2)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(broken)

    out = train(write_config(tmp_path / 'resume.py', data_root), work_dir, '--resume')
    assert f'Checkpoint {broken} is missing or incomplete' in out
    assert f'resuming from {osp.join(work_dir, f"iter_{INTERVAL}.pth")}' in out
    assert f'resumed epoch: 0, iter: {INTERVAL}' in out
    assert last_checkpoint(work_dir) == broken  # rewritten, complete again
    assert_same_training_state(broken, osp.join(ref_dir, f'iter_{ITERS}.pth'))


def test_resume_without_a_complete_checkpoint_says_so(data_root, tmp_path):
    """In process (the hook checks before anything trains): mmengine's Runner from the
    same config, as tools/train.py builds it for ``--resume``."""
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    broken = work_dir / f'iter_{INTERVAL}.pth'
    broken.write_bytes(b'PK\x03\x04 not a whole checkpoint')
    (work_dir / 'last_checkpoint').write_text(str(broken))
    cfg = Config.fromfile(write_config(tmp_path / 'cfg.py', data_root))
    cfg.custom_imports = dict(imports=['tpmm'], allow_failed_imports=False)
    cfg.custom_hooks = []
    cfg.work_dir, cfg.resume, cfg.load_from = str(work_dir), True, None
    runner = Runner.from_cfg(cfg)
    with pytest.raises(RuntimeError, match='no complete checkpoint is left'):
        runner.train()
