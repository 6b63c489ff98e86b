"""``tools/test.py`` evaluates the tiny synthetic configs with the stock metrics:
CocoMetric (bbox and segm mAP) for Mask R-CNN, IoUMetric (mIoU) for Semantic FPN.

The checkpoints are randomly initialised models saved by the test; the data is a few
generated images."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from dense_helpers import DET_DIR, REPO_ROOT, SEG_DIR, build_model

DET_CONFIG = osp.join(DET_DIR, 'mask-rcnn_sdtv1-tiny_fpn_synthetic-coco.py')
SEG_CONFIG = osp.join(SEG_DIR, 'fpn_sdtv1-tiny_synthetic-ade.py')


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
