"""projects/classification: the cluttered-digits data, the classifier, train + sweep."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PROJECT = osp.join(ROOT, 'projects', 'classification')
for path in (ROOT, PROJECT):
    if path not in sys.path:
        sys.path.insert(0, path)

from projects.classification.spiking_cls import (ClutteredDigits,  # noqa: E402
                                                 SpikingClassifier, split_indices)
from tpmm.registry import MODELS  # noqa: E402


def test_dataset_is_deterministic_with_its_seed_and_has_the_stated_layout():
    a = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=3)
    b = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=3)
    other = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=4)
    assert len(a) == len(b) == 270
    for i in (0, 7, len(a) - 1):
        x, y = a[i], b[i]
        assert torch.equal(x['inputs'], y['inputs'])
        assert x['data_samples'].gt_label == y['data_samples'].gt_label
        assert tuple(x['inputs'].shape) == (3, 48, 48)
        assert 0.0 <= float(x['inputs'].min()) and float(x['inputs'].max()) <= 1.0
        mask = x['data_samples'].fg_mask
        assert mask.shape == (48, 48) and 0 < int(mask.sum()) < 48 * 48 // 4
    assert not torch.equal(a[0]['inputs'], other[0]['inputs'])
    labels = {a[i]['data_samples'].gt_label for i in range(len(a))}
    assert labels == set(range(10))
    twice = ClutteredDigits('val', canvas_size=48, scale_range=(16, 24), seed=3, placements=2)
    assert len(twice) == 540
    assert twice[0]['data_samples'].gt_label == twice[270]['data_samples'].gt_label
    assert not torch.equal(twice[0]['inputs'], twice[270]['inputs'])


def test_splits_partition_the_digits():
    parts = [split_indices(1797, s, seed=0) for s in ('train', 'val', 'test')]
    assert sum(len(p) for p in parts) == 1797
    assert len(np.unique(np.concatenate(parts))) == 1797
    assert not np.array_equal(split_indices(1797, 'test', 0), split_indices(1797, 'test', 1))
    with pytest.raises(ValueError, match='split'):
        split_indices(1797, 'holdout', 0)
    with pytest.raises(ValueError, match='canvas_size'):
        ClutteredDigits('train', canvas_size=16)


def test_classifier_modes_and_gradients():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SpikingClassifier', in_channels=64, num_classes=10,
        backbone=dict(type='SDTV1', arch='tiny', T=1, out_type='pooled'),
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[0.5] * 3, std=[0.5] * 3)))
    data = ClutteredDigits('train', canvas_size=48, scale_range=(16, 24), num_digits=4)
    batch = model.data_preprocessor(dict(inputs=[data[i]['inputs'] for i in range(4)],
                                         data_samples=[data[i]['data_samples'] for i in range(4)]),
                                    training=True)
    assert model(batch['inputs']).shape == (4, 10)
    loss = model(batch['inputs'], batch['data_samples'], mode='loss')['loss']
    loss.backward()
    assert torch.isfinite(loss) and model.head.weight.grad.abs().sum() > 0
    preds = model(batch['inputs'], batch['data_samples'], mode='predict')
    assert [p['gt_label'] for p in preds] == [data[i]['data_samples'].gt_label for i in range(4)]
    assert all(0 <= p['pred_label'] < 10 for p in preds)
    with pytest.raises(ValueError, match='pooled'):
        MODELS.build(dict(type='SpikingClassifier', in_channels=64, num_classes=10,
                          backbone=dict(type='SDTV1', arch='tiny', out_type='featmap')))


@pytest.fixture
def restore_default_scope():
    """mmengine's Runner leaves its default scope ('mmengine') as the current one;
    drop the scopes a test creates so that later tests build in their own scope."""
    from mmengine.registry import DefaultScope
    before = set(DefaultScope._instance_dict)
    yield
    for name in set(DefaultScope._instance_dict) - before:
        DefaultScope._instance_dict.pop(name)


def test_train_finetune_and_sweep_write_the_study_outputs(tmp_path, restore_default_scope):
    import sweep
    import train
    work_root = str(tmp_path / 'work')
    config = osp.join(PROJECT, 'configs', 'sdt_v1_digits.py')
    quick = ['--epochs', '1', '--cfg-options', 'train_dataloader.dataset.num_digits=16',
             'train_dataloader.dataset.placements=1', 'train_dataloader.batch_size=8',
             'val_dataloader.dataset.num_digits=8', 'model.backbone.T=1']
    work_dir = osp.join(work_root, 'sdt_v1_digits')
    runner = train.main([config, '--work-dir', work_dir] + quick)
    assert runner.cfg.model.backbone.pruning is None
    checkpoint = sweep.latest_checkpoint(work_dir)
    assert checkpoint and checkpoint.endswith('epoch_1.pth')
    tuned = train.main([config, '--work-dir', sweep.finetune_dir(work_root, 'sdt_v1', 0.5),
                        '--pruning', 'irtop_k0.5', '--finetune-from', checkpoint] + quick)
    assert tuned.cfg.model.backbone.pruning['keep_ratio'] == 0.5
    assert tuned.cfg.load_from == checkpoint

    out_dir = tmp_path / 'results'
    results = sweep.main(['--models', 'sdt_v1', '--work-root', work_root, '--ratios', '0.5',
                          '--test-placements', '1', '--test-digits', '8',
                          '--out-dir', str(out_dir)])
    r = results['sdt_v1']
    assert r['test_size'] == 8 and set(r['curves']) == set(sweep.METHODS)
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
    import sweep
    curve = [dict(gflops=1.0, top1=90.0), dict(gflops=0.5, top1=70.0),
             dict(gflops=0.75, top1=85.0)]
    assert sweep.interpolate(curve, 0.6) == pytest.approx(76.0)
    assert sweep.interpolate(curve, 1.0) == 90.0
    assert sweep.interpolate(curve, 0.4) is None


def test_efficiency_writes_rows_checked_against_the_targets(tmp_path, restore_default_scope):
    import efficiency
    efficiency.main(['--models', 'sdt_v1', '--sweep-models', 'sdt_v1', '--shape', '32', '32',
                     '--batch', '1', '--keep', '0.5', '--sweep', '32', '--repeats', '1',
                     '--out-dir', str(tmp_path)])
    table = (tmp_path / 'efficiency.md').read_text()
    rows = [line for line in table.splitlines() if line.startswith('| sdt_v1 |')]
    assert len(rows) == 2  # the main measurement and the one sweep point
    assert [len(row.split('|')) - 2 for row in rows] == [10, 11]  # table columns
    assert rows[0].count(' ok') + rows[0].count(' MISS') == 2  # both targets checked
    saved = json.loads((tmp_path / 'benchmark_sdt_v1.json').read_text())
    assert saved['variants'] == ['unpruned', 'irtop_k0.5']
