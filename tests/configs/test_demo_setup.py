"""``tools/demo.py`` (``make demo``) points at configs and overlays that exist, and its
table shows every row with '-' for what a row does not measure."""
import os.path as osp

from mmengine.config import Config

from helpers.dense_helpers import PRUNING_DIR, REPO_ROOT
from helpers.tool_scripts import load_tool


def load_demo():
    return load_tool('demo.py')


def test_demo_configs_and_overlays_exist():
    demo = load_demo()
    for task in [*demo.TASKS, demo.PAPER_BENCHMARK]:
        cfg = Config.fromfile(osp.join(REPO_ROOT, task['config']))
        assert cfg.model.backbone.type.startswith('tpmm.')
    for task in demo.TASKS:
        assert 'synthetic' in Config.fromfile(
            osp.join(REPO_ROOT, task['config'])).train_dataloader.dataset.data_root
    for _, overlay, _, bench in demo.VARIANTS:
        for name in (overlay, None if bench == 'unpruned' else bench):
            if name is not None:
                assert osp.isfile(osp.join(PRUNING_DIR, name + '.py')), name


def test_demo_table_lists_every_row():
    demo = load_demo()
    rows = [dict(model='det', variant='untrained', bbox_mAP=0.0, bbox_mAP_50=0.001),
            dict(model='det', variant='IRToP k=0.7', bbox_mAP=0.316, bbox_mAP_50=0.744,
                 segm_mAP=0.25, backbone_gflops=0.1126, throughput_ratio=0.98),
            dict(model='seg', variant='unpruned', mIoU=66.69, backbone_gflops=0.12,
                 throughput_ratio=1.0)]
    text = demo.format_table(rows)
    lines = [line for line in text.splitlines() if line.startswith('│')]
    assert len(lines) == len(rows)
    assert '0.744' in lines[1] and '66.69' in lines[2]
    assert lines[0].count(' - ') == 4  # segm mAP, mIoU, GFLOPs, throughput
