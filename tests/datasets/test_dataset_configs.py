"""configs/_base_/datasets: every file loads; the synthetic variants change only the data
root, image sizes and classes of the real ones, pass check_data_config on generated data
and build the stock datasets, pipelines and metrics. Also the two dataset CLIs."""
import glob
import json
import os
import os.path as osp
import re
import runpy
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from tpmm.datasets.check_data import check_data_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', '_base_', 'datasets')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
# synthetic variant -> (real config, scope, expected data root)
SYNTHETIC = {
    'synthetic_coco_instance.py': ('coco_instance.py', 'mmdet', 'data/synthetic_coco/'),
    'synthetic_coco_detection.py': ('coco_detection.py', 'mmdet', 'data/synthetic_coco/'),
    'synthetic_ade20k.py': ('ade20k.py', 'mmseg', 'data/synthetic_ade/ADEChallengeData2016'),
    'synthetic_mot.py': ('mot_challenge.py', 'mmdet', 'data/synthetic_mot/'),
}
ALLOWED_CHANGES = {'data_root', 'scale', 'crop_size', 'img_scale', 'classes'}


def flatten(value, path=''):
    """{dotted path: leaf value} of nested dicts and lists of dicts."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list)) for v in value):
        items = ((f'[{i}]', v) for i, v in enumerate(value))
    else:
        return {path: value}
    flat = {}
    for key, child in items:
        key = str(key)
        flat.update(flatten(child, path + key if key.startswith('[') or not path
                            else f'{path}.{key}'))
    return flat


def test_every_dataset_config_loads():
    assert {osp.basename(c) for c in CONFIGS} >= {
        'coco_instance.py', 'coco_detection.py', 'ade20k.py', 'mot_challenge.py', *SYNTHETIC}
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        for split in ('train', 'val', 'test'):
            assert cfg[f'{split}_dataloader']['dataset']['type'], path
        for split in ('val', 'test'):
            assert cfg[f'{split}_evaluator']['type'], path


@pytest.mark.parametrize('name', list(SYNTHETIC))
def test_synthetic_variant_changes_only_root_sizes_and_classes(name):
    real_name, _, data_root = SYNTHETIC[name]
    synthetic = flatten(Config.fromfile(osp.join(CONFIG_DIR, name)).to_dict())
    real = flatten(Config.fromfile(osp.join(CONFIG_DIR, real_name)).to_dict())
    changed = {path for path in synthetic.keys() | real.keys()
               if synthetic.get(path) != real.get(path)}
    for path in changed:
        leaf = re.sub(r'\[\d+\]$', '', path).split('.')[-1]
        evaluator_file = leaf == 'ann_file' and path.split('.')[0].endswith('_evaluator')
        assert leaf in ALLOWED_CHANGES or evaluator_file, f'{name} changes {path}'
    assert synthetic['train_dataloader.dataset.data_root'] == data_root
    assert 'train_dataloader.dataset.data_root' in changed


@pytest.mark.parametrize('name', list(SYNTHETIC))
def test_synthetic_config_builds_on_generated_data(name, synthetic, monkeypatch):
    monkeypatch.chdir(synthetic.workdir)
    _, scope, _ = SYNTHETIC[name]
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    check_data_config(cfg, splits=('train', 'val', 'test'))
    registry = __import__(f'{scope}.registry', fromlist=['DATASETS', 'METRICS'])
    with DefaultScope.overwrite_default_scope(scope):
        train = registry.DATASETS.build(cfg.train_dataloader.dataset)
        val = registry.DATASETS.build(cfg.val_dataloader.dataset)
        if name == 'synthetic_mot.py':  # video datasets index (video, frame)
            train_item, val_item = train[(0, 1)], val[(0, 0)]
            assert len(train_item['data_samples'].video_data_samples) == 2  # key + reference
        else:
            train_item, val_item = train[0], val[0]
            if scope == 'mmdet':  # 96x96 images resized to the 128 scale
                assert tuple(train_item['inputs'].shape[-2:]) == (128, 128)
            else:  # cropped to at most crop_size
                assert max(train_item['inputs'].shape[-2:]) <= 128
            registry.METRICS.build(cfg.val_evaluator)
    assert len(train) > 0 and len(val) > 0 and val_item['inputs'] is not None


@pytest.mark.parametrize('name', sorted(set(v[0] for v in SYNTHETIC.values())))
def test_real_configs_point_at_the_real_layout(name, synthetic, monkeypatch):
    monkeypatch.chdir(synthetic.workdir)  # has data/synthetic_*, not the real sets
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    root = cfg.train_dataloader.dataset.data_root
    assert root in ('data/coco/', 'data/ade/ADEChallengeData2016', 'data/MOT17/')
    with pytest.raises(FileNotFoundError, match=rf'train_dataloader\.dataset\.data_root: {root}'):
        check_data_config(cfg)


def run_tool(script, args, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [script, *args])
    runpy.run_path(osp.join(REPO, 'tools', 'dataset_converters', script), run_name='__main__')


def test_make_synthetic_cli(tmp_path, monkeypatch, capsys):
    args = ['--out', str(tmp_path / 'data'), '--coco-images', '3', '1', '--ade-images', '2', '1',
            '--image-size', '32', '--mot-sequences', '1', '--mot-frames', '4',
            '--mot-size', '64', '48']
    run_tool('make_synthetic.py', args, monkeypatch)
    out = capsys.readouterr().out
    data = tmp_path / 'data'
    for path in ('synthetic_coco/annotations/instances_train2017.json',
                 'synthetic_ade/ADEChallengeData2016/annotations/validation',
                 'synthetic_mot/annotations/half-val_cocoformat.json'):
        assert str(data / path) in out and osp.exists(data / path)
    assert json.loads((data / 'synthetic_mot' / 'annotations' / 'half-train_cocoformat.json')
                      .read_text())['images'][0]['file_name'] == 'SYNMOT-01/img1/000001.jpg'
    assert len(os.listdir(data / 'synthetic_coco' / 'train2017')) == 3

    run_tool('make_synthetic.py', args + ['--which', 'coco'], monkeypatch)
    assert 'up to date' in capsys.readouterr().out
    before = (data / 'synthetic_coco' / 'annotations' / 'instances_train2017.json').read_text()
    run_tool('make_synthetic.py', args + ['--which', 'coco', '--seed', '1'], monkeypatch)
    assert 'up to date' not in capsys.readouterr().out
    assert (data / 'synthetic_coco' / 'annotations' / 'instances_train2017.json').read_text() \
        != before

    foreign = tmp_path / 'other' / 'synthetic_ade'
    foreign.mkdir(parents=True)
    (foreign / 'mine.txt').write_text('not generated')
    with pytest.raises(FileExistsError, match=f'{foreign} exists and was not written'):
        run_tool('make_synthetic.py', ['--out', str(tmp_path / 'other'), '--which', 'ade'],
                 monkeypatch)
    assert (foreign / 'mine.txt').exists()


def test_mot2coco_video_cli(synthetic, tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / 'annotations'
    run_tool('mot2coco_video.py', ['-i', str(synthetic.mot_root), '-o', str(out_dir),
                                   '--split-train'], monkeypatch)
    assert sorted(os.listdir(out_dir)) == [
        'half-train_cocoformat.json', 'half-val_cocoformat.json', 'test_cocoformat.json',
        'train_cocoformat.json']
    assert 'half-val_cocoformat.json: 2 sequences' in capsys.readouterr().out
    test = json.loads((out_dir / 'test_cocoformat.json').read_text())
    assert test['annotations'] == [] and len(test['images']) == 10
