"""projects/classification: the cluttered-digits data written in mmpretrain's annotation
layout, the study's configs on stock mmpretrain components (``ImageClassifier``,
``CustomDataset``, ``Accuracy``) trained and fine-tuned with ``tools/train.py``, the
sweep and the efficiency table.

The project's scripts import as ``projects.classification.*`` (``python -m`` from the
repository root, as ``make test`` runs pytest)."""
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS

from helpers.spiking_backbone_checks import REPO_ROOT
from projects.classification import efficiency, make_digits, sweep
from projects.classification.spiking_cls import ClutteredDigits, split_indices

PROJECT = osp.join(REPO_ROOT, 'projects', 'classification')
SDT_V1 = osp.join(PROJECT, 'configs', 'sdt_v1_digits.py')


def test_dataset_is_deterministic_with_its_seed_and_has_the_stated_layout():
    a = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=3)
    b = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=3)
    other = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=4)
    assert len(a) == len(b) == 270
    for i in (0, 7, len(a) - 1):
        x, y = a.sample(i), b.sample(i)
        assert np.array_equal(x['image'], y['image']) and x['label'] == y['label']
        assert x['image'].shape == (48, 48)
        assert 0.0 <= x['image'].min() and x['image'].max() <= 1.0
        assert 0 < int(x['mask'].sum()) < 48 * 48 // 4
    assert not np.array_equal(a.sample(0)['image'], other.sample(0)['image'])
    assert {a.sample(i)['label'] for i in range(len(a))} == set(range(10))
    twice = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=3, placements=2)
    assert len(twice) == 540
    assert twice.sample(0)['label'] == twice.sample(270)['label']
    assert not np.array_equal(twice.sample(0)['image'], twice.sample(270)['image'])


def test_splits_partition_the_digits():
    parts = [split_indices(1797, s, seed=0) for s in ('train', 'val', 'test')]
    assert sum(len(p) for p in parts) == 1797
    assert len(np.unique(np.concatenate(parts))) == 1797
    assert not np.array_equal(split_indices(1797, 'test', 0), split_indices(1797, 'test', 1))
    with pytest.raises(ValueError, match='split'):
        split_indices(1797, 'holdout', 0)
    with pytest.raises(ValueError, match='canvas_size'):
        ClutteredDigits('train', canvas_size=16)


@pytest.fixture(scope='module')
def digits_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('cluttered_digits'))
    make_digits.main(['--out-dir', root, '--num-digits', '8', '--placements', '2', '1', '1'])
    return root


def test_the_stock_dataset_of_the_configs_reads_the_written_canvases(digits_root):
    cfg = Config.fromfile(SDT_V1)
    expected = ClutteredDigits('test', seed=0, num_digits=8)
    for split, count in (('train', 16), ('val', 8), ('test', 8)):
        dataset_cfg = cfg[f'{split}_dataloader'].dataset
        dataset_cfg.data_root = digits_root
        assert dataset_cfg.type == 'CustomDataset'
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) == count
        assert dataset.metainfo['classes'] == tuple(str(i) for i in range(10))
    for i in (0, 5):  # the test split: the canvases and labels of ClutteredDigits
        item, sample = dataset[i], expected.sample(i)
        assert int(item['data_samples'].gt_label) == sample['label']
        pixels = item['inputs'].numpy()  # [3, H, W], 8 bits, the three channels equal
        assert np.array_equal(pixels[0], (sample['image'] * 255).round().astype(np.uint8))
        assert np.array_equal(sweep.footprint(item['data_samples'].img_path), sample['mask'])
    with pytest.raises(FileNotFoundError, match='make_digits'):
        sweep.footprint(osp.join(digits_root, 'elsewhere', '000000.png'))


def train(args, monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['train.py', *args])
    runpy.run_path(osp.join(REPO_ROOT, 'tools', 'train.py'), run_name='__main__')


@pytest.mark.slow
def test_train_finetune_and_sweep_write_the_study_outputs(digits_root, tmp_path, monkeypatch,
                                                          restore_default_scope):
    work_root = str(tmp_path / 'work')
    quick = ['train_dataloader.batch_size=8', 'model.backbone.T=1',
             f'train_dataloader.dataset.data_root={digits_root}',
             f'val_dataloader.dataset.data_root={digits_root}']
    work_dir = osp.join(work_root, 'sdt_v1_digits')
    one_epoch = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                 'param_scheduler.0.end=1', 'param_scheduler.0.T_max=1',
                 'default_hooks.checkpoint.interval=1']
    train([SDT_V1, '--work-dir', work_dir, '--cfg-options', *quick, *one_epoch], monkeypatch)
    checkpoint = sweep.latest_checkpoint(work_dir)
    assert checkpoint and checkpoint.endswith('epoch_1.pth')
    tuned_dir = sweep.finetune_dir(work_root, 'sdt_v1', 0.5)
    train([SDT_V1, '--work-dir', tuned_dir, '--pruning', 'irtop_k0.5', '--cfg-options',
           *quick, *one_epoch, f'load_from={checkpoint}', 'optim_wrapper.optimizer.lr=1e-3'],
          monkeypatch)
    tuned_config = Config.fromfile(osp.join(tuned_dir, 'sdt_v1_digits.py'))
    assert tuned_config.model.backbone.pruning['keep_ratio'] == 0.5
    assert tuned_config.load_from == checkpoint

    out_dir = tmp_path / 'results'
    results = sweep.main(['--models', 'sdt_v1', '--work-root', work_root, '--data-root',
                          digits_root, '--ratios', '0.5', '--test-images', '6',
                          '--out-dir', str(out_dir)])
    r = results['sdt_v1']
    assert r['test_size'] == 6 and set(r['curves']) == set(sweep.METHODS)
    for method, curve in r['curves'].items():
        assert [p['keep_ratio'] for p in curve] == [1.0, 0.5]
        assert curve[1]['gflops'] < curve[0]['gflops'], method
        assert 0 <= curve[1]['top1'] <= 100
    assert 0 <= r['curves']['IRToP'][1]['fg_recall'] <= 1
    assert r['curves']['ToMe'][1]['fg_recall'] is None
    assert r['finetuned']['keep_ratio'] == 0.5
    assert set(r['matched']) == {f'{x:g}' for x in sweep.REDUCTIONS}
    assert set(r['targets']) == {f'{m}_{t}' for m in sweep.IRTOP_METHODS
                                 for t in ('loss_le_1pt', 'beats_baselines_by_1pt')}
    for name in ('sweep.json', 'results.md', 'accuracy_vs_gflops.png'):
        assert (out_dir / name).is_file()
    assert '| sdt_v1 |' in (out_dir / 'results.md').read_text()
    # the report can be rewritten from the saved JSON alone
    (out_dir / 'results.md').unlink()
    rendered = sweep.main(['--render-only', '--out-dir', str(out_dir)])
    assert rendered['sdt_v1']['curves'] == json.loads(json.dumps(r['curves']))
    assert (out_dir / 'results.md').is_file()
    saved = json.loads((out_dir / 'sweep.json').read_text())
    assert saved['settings']['render_only'] is False  # the sweep's own settings are kept
    with pytest.raises(FileNotFoundError, match='sweep.json'):
        sweep.main(['--render-only', '--out-dir', str(tmp_path / 'nothing')])


def test_matched_flops_interpolation():
    curve = [dict(gflops=1.0, top1=90.0), dict(gflops=0.5, top1=70.0),
             dict(gflops=0.75, top1=85.0)]
    assert sweep.interpolate(curve, 0.6) == pytest.approx(76.0)
    assert sweep.interpolate(curve, 1.0) == 90.0
    assert sweep.interpolate(curve, 0.4) is None


def test_efficiency_writes_rows_checked_against_the_targets(tmp_path):
    efficiency.main(['--models', 'sdt_v1', '--sweep-models', 'sdt_v1', '--shape', '32', '32',
                     '--batch', '1', '--keep', '0.5', '--sweep', '32', '--repeats', '1',
                     '--out-dir', str(tmp_path)])
    table = (tmp_path / 'efficiency.md').read_text()
    rows = [line for line in table.splitlines() if line.startswith('| sdt_v1 |')]
    assert len(rows) == 2  # the main measurement and the one sweep point
    assert [len(row.split('|')) - 2 for row in rows] == [11, 11]  # table columns
    assert rows[0].count(' ok') + rows[0].count(' MISS') == 2  # both targets checked
    cells = [cell.strip() for cell in rows[0].split('|')]
    overhead = float(cells[8].split('%')[0])
    parts = [float(part) for part in cells[9].split(' / ')]
    assert len(parts) == 3 and sum(parts) == pytest.approx(overhead, abs=0.2)
    saved = json.loads((tmp_path / 'benchmark_sdt_v1.json').read_text())
    assert saved['variants'] == ['unpruned', 'irtop_k0.5']
