"""``tools/test.py`` evaluates the tiny synthetic configs with the stock metrics:
CocoMetric (bbox and segm mAP) for Mask R-CNN, IoUMetric (mIoU) for Semantic FPN.

The checkpoints are randomly initialised models saved by the test; the data is a few
generated images. Also ``--show-dir``, checkpoint checks and the CPU distributed run of a
SyncBN segmentor."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from helpers.dense_helpers import DET_DIR, REPO_ROOT, SEG_DIR, build_model

DET_CONFIG = osp.join(DET_DIR, 'mask-rcnn_sdtv1-tiny_fpn_1xb2-600iter_synthetic-coco.py')
SEG_CONFIG = osp.join(SEG_DIR, 'fpn_sdtv1-tiny_1xb4-400iter_synthetic-ade.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    subprocess.run(
        [sys.executable, 'tools/dataset_converters/make_synthetic.py', '--out', str(root),
         '--which', 'coco', 'ade', '--image-size', '64', '--coco-images', '3', '3',
         '--ade-images', '3', '3'], cwd=REPO_ROOT, check=True, capture_output=True,
        timeout=120)
    return root


def random_checkpoint(config: str, path) -> str:
    torch.manual_seed(0)
    model = build_model(Config.fromfile(config))
    torch.save(dict(state_dict=model.state_dict()), str(path))
    return str(path)


def run_test_tool(config: str, checkpoint: str, work_dir, options) -> str:
    loader = ['test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', str(work_dir),
         '--cfg-options', *loader, *options],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    return output


def test_mask_rcnn_reports_bbox_and_segm_map(data_root, tmp_path):
    root = osp.join(data_root, 'synthetic_coco') + '/'
    ann = root + 'annotations/instances_val2017.json'
    output = run_test_tool(
        DET_CONFIG, random_checkpoint(DET_CONFIG, tmp_path / 'init.pth'), tmp_path,
        [f'test_dataloader.dataset.data_root={root}', f'test_evaluator.ann_file={ann}',
         # an untrained model scores below the default threshold: keep all its boxes
         'model.test_cfg.rcnn.score_thr=0.0'])
    assert 'coco/bbox_mAP:' in output and 'coco/segm_mAP:' in output, output[-3000:]


def test_semantic_fpn_reports_miou(data_root, tmp_path):
    root = osp.join(data_root, 'synthetic_ade', 'ADEChallengeData2016')
    output = run_test_tool(
        SEG_CONFIG, random_checkpoint(SEG_CONFIG, tmp_path / 'init.pth'), tmp_path,
        [f'test_dataloader.dataset.data_root={root}'])
    assert 'mIoU:' in output, output[-3000:]


def data_options(data_root, task):
    if task == 'det':
        root = osp.join(data_root, 'synthetic_coco') + '/'
        return [f'test_dataloader.dataset.data_root={root}',
                f'test_evaluator.ann_file={root}annotations/instances_val2017.json']
    root = osp.join(data_root, 'synthetic_ade', 'ADEChallengeData2016')
    return [f'test_dataloader.dataset.data_root={root}']


@pytest.mark.parametrize('task', ['det', 'seg'])
def test_show_dir_draws_every_test_image_into_it(data_root, tmp_path, task):
    """Also: --pruning takes an overlay name, as the analysis tools do."""
    config = DET_CONFIG if task == 'det' else SEG_CONFIG
    images = (glob.glob(osp.join(data_root, 'synthetic_coco', 'val2017', '*'))
              if task == 'det' else
              glob.glob(osp.join(data_root, 'synthetic_ade', 'ADEChallengeData2016',
                                 'images', 'validation', '*')))
    show_dir = tmp_path / 'shown'
    run_test_tool(config, random_checkpoint(config, tmp_path / 'init.pth'), tmp_path / 'work',
                  data_options(data_root, task) + ['--show-dir', str(show_dir),
                                                   '--pruning', 'irtop_k0.7'])
    drawn = sorted(os.listdir(show_dir))
    names = sorted(osp.basename(p) for p in images)
    assert len(names) == 3
    if task == 'det':
        assert drawn == names
    else:  # mmseg's hook names them test_<image>_<iter>.png
        assert drawn == [f'test_{name}_0.png' for name in names]


def test_test_tool_refuses_a_checkpoint_of_another_model(data_root, tmp_path):
    wrong = random_checkpoint(SEG_CONFIG, tmp_path / 'segmentor.pth')
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', DET_CONFIG, wrong, '--work-dir', str(tmp_path),
         '--cfg-options', *data_options(data_root, 'det')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode != 0
    assert re.search(r'segmentor\.pth does not fit the MaskRCNN .*missing keys.*'
                     r'unexpected keys', proc.stderr), proc.stderr[-3000:]


def test_dist_train_and_test_segmentation_on_cpu(data_root, tmp_path):
    """The SyncBN of the segmentation models becomes BN without CUDA (and says so)."""
    if torch.cuda.is_available():
        pytest.skip('checks the CPU (gloo) path')
    root = osp.join(data_root, 'synthetic_ade', 'ADEChallengeData2016')
    loaders = [f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
               for key in ('num_workers=0', 'persistent_workers=False')]
    options = ['--cfg-options', *loaders, 'train_dataloader.batch_size=2',
               *(f'{split}_dataloader.dataset.data_root={root}'
                 for split in ('train', 'val', 'test')),
               'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
               'default_hooks.checkpoint.interval=2']
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, PYTHON=sys.executable)
    work_dir = str(tmp_path / 'dist')
    outputs = []
    for command in (['bash', 'tools/dist_train.sh', SEG_CONFIG, '2', '--work-dir', work_dir],
                    ['bash', 'tools/dist_test.sh', SEG_CONFIG,
                     osp.join(work_dir, 'iter_2.pth'), '2', '--work-dir', work_dir]):
        proc = subprocess.run(command + options, cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output[-5000:]
        assert 'SyncBatchNorm layers reverted to BatchNorm' in output
        outputs.append(output)
    assert 'mIoU:' in outputs[1]
