"""tools/train.py, --resume and tools/dist_train.sh on a tiny generated COCO set."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'tests', 'data', 'tiny_retinanet.py')


def run_tool(args, cwd, timeout=600):
    """Run a tools/ entry point with this interpreter; fail with its output."""
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHON=sys.executable)
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f'{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}'
    return proc.stdout + proc.stderr


def tiny_config(tmp_path, data_root):
    """The tiny config pointed at a generated data root."""
    ann = osp.join(data_root, 'annotations', 'instances_val2017.json')
    path = tmp_path / 'tiny_config.py'
    path.write_text(f"""_base_ = [{CONFIG!r}]
train_dataloader = dict(dataset=dict(data_root={data_root!r}))
val_dataloader = dict(dataset=dict(data_root={data_root!r}))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={ann!r})
test_evaluator = val_evaluator
""")
    return str(path)


def last_iter(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return osp.basename(f.read().strip())


def test_train_saves_checkpoint_and_resume_continues(tiny_coco_root, tmp_path):
    work_dir = str(tmp_path / 'run')
    config = tiny_config(tmp_path, tiny_coco_root)
    run_tool([sys.executable, 'tools/train.py', config, '--work-dir', work_dir], cwd=ROOT)
    assert last_iter(work_dir) == 'iter_4.pth'

    out = run_tool([sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
                    '--resume', '--cfg-options', 'train_cfg.max_iters=6'], cwd=ROOT)
    assert 'resumed epoch: 0, iter: 4' in out
    assert 'Iter(train) [5/6]' in out and 'Iter(train) [1/6]' not in out
    assert last_iter(work_dir) == 'iter_6.pth'


def test_train_rejects_missing_resume_checkpoint(tiny_coco_root, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', tiny_config(tmp_path, tiny_coco_root),
         '--work-dir', str(tmp_path),
         '--resume', str(tmp_path / 'missing.pth')],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr


def test_dist_train_two_processes_on_cpu(tiny_coco_root, tmp_path):
    work_dir = str(tmp_path / 'dist')
    out = run_tool(['bash', 'tools/dist_train.sh', tiny_config(tmp_path, tiny_coco_root), '2',
                    '--work-dir', work_dir], cwd=ROOT)
    assert 'Distributed launcher: pytorch' in out or "'world_size': 2" in out or 'World size: 2' in out
    assert last_iter(work_dir) == 'iter_4.pth'


def test_train_refuses_amp_without_a_gpu(tiny_coco_root, tmp_path):
    if torch.cuda.is_available():
        pytest.skip('checks the CPU-only error')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', tiny_config(tmp_path, tiny_coco_root),
         '--work-dir', str(tmp_path / 'run'), '--amp'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode != 0
    assert '--amp needs a GPU' in proc.stderr
    assert not osp.exists(tmp_path / 'run')
