"""check_data_config: good configs pass; missing or malformed data stops with the path and
the config key."""
import json
import re
import shutil

import pytest
from mmengine.config import Config

from tpmm.datasets import check_data
from tpmm.datasets.check_data import check_data_config


def coco_dataset(root, **overrides):
    dataset = dict(type='CocoDataset', data_root=str(root),
                   ann_file='annotations/instances_train2017.json',
                   data_prefix=dict(img='train2017/'), pipeline=[])
    dataset.update(overrides)
    return dataset


def coco_config(root, dataset=None, **extra):
    dataset = dataset or coco_dataset(root)
    val = coco_dataset(root, ann_file='annotations/instances_val2017.json',
                       data_prefix=dict(img='val2017/'), test_mode=True)
    return Config(dict(
        train_dataloader=dict(batch_size=1, dataset=dataset),
        val_dataloader=dict(batch_size=1, dataset=val),
        val_evaluator=dict(type='CocoMetric',
                           ann_file=str(root / 'annotations' / 'instances_val2017.json')),
        **extra))


def ade_config(root):
    return Config(dict(train_dataloader=dict(dataset=dict(
        type='ADE20KDataset', data_root=str(root),
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training')))))


def copy_coco(synthetic, tmp_path):
    root = tmp_path / 'coco'
    shutil.copytree(synthetic.coco_root, root)
    return root


def test_good_configs_pass(synthetic):
    check_data_config(coco_config(synthetic.coco_root))
    check_data_config(ade_config(synthetic.ade_root))
    mot = Config(dict(test_dataloader=dict(dataset=dict(
        type='MOTChallengeDataset', data_root=str(synthetic.mot_root),
        ann_file='annotations/half-val_cocoformat.json', data_prefix=dict(img_path='train'),
        test_mode=True))))
    check_data_config(mot, splits=('test', ))


def test_missing_data_root(synthetic, tmp_path):
    cfg = coco_config(synthetic.coco_root,
                      dataset=coco_dataset(tmp_path / 'no_such_root'))
    with pytest.raises(FileNotFoundError,
                       match=rf'train_dataloader\.dataset\.data_root: {tmp_path}/no_such_root '
                             r'not found'):
        check_data_config(cfg)


def test_missing_ann_file_and_image_folder(synthetic):
    root = synthetic.coco_root
    cfg = coco_config(root, dataset=coco_dataset(root, ann_file='annotations/missing.json'))
    with pytest.raises(FileNotFoundError, match=rf'train_dataloader\.dataset\.ann_file: '
                                                rf'{root}/annotations/missing\.json not found'):
        check_data_config(cfg)
    cfg = coco_config(root, dataset=coco_dataset(root, data_prefix=dict(img='train2014/')))
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset\.data_prefix\.img: '
                                                rf'folder {root}/train2014/ not found'):
        check_data_config(cfg)


def test_images_not_under_the_prefix(synthetic, tmp_path):
    root = copy_coco(synthetic, tmp_path)
    (root / 'train2017' / '000000000001.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=rf'train_dataloader\.dataset: image {root}/'
                                                r'train2017/000000000001\.jpg \(the first image '
                                                r'of .*instances_train2017\.json\) not found'):
        check_data_config(coco_config(root))


def test_malformed_json_names_the_file(synthetic, tmp_path):
    root = copy_coco(synthetic, tmp_path)
    ann = root / 'annotations' / 'instances_train2017.json'
    ann.write_text('{"images": [')
    with pytest.raises(ValueError, match=rf'train_dataloader\.dataset\.ann_file: {ann} is not '
                                         r'valid json'):
        check_data_config(coco_config(root))
    ann.write_text(json.dumps(dict(images=[], annotations=[])))
    with pytest.raises(ValueError, match=rf"{ann} misses \['categories'\]"):
        check_data_config(coco_config(root))
    ann.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match=rf'{ann} holds a json list'):
        check_data_config(coco_config(root))


def test_test_mode_json_may_lack_annotations_but_the_metric_file_may_not(synthetic, tmp_path):
    root = copy_coco(synthetic, tmp_path)
    ann = root / 'annotations' / 'instances_val2017.json'
    content = json.loads(ann.read_text())
    del content['annotations']  # like COCO's test-dev image-info file
    ann.write_text(json.dumps(content))
    cfg = coco_config(root)
    cfg.val_evaluator.format_only = True
    check_data_config(cfg)
    cfg.val_evaluator.format_only = False
    with pytest.raises(ValueError, match=rf"val_evaluator\.ann_file: {ann} misses "
                                         r"\['annotations'\]"):
        check_data_config(cfg)
    cfg.val_evaluator = [dict(type='CocoMetric', ann_file=str(root / 'gone.json'))]
    with pytest.raises(FileNotFoundError, match=r'val_evaluator\[0\]\.ann_file: .*gone\.json'):
        check_data_config(cfg)
    cfg.val_evaluator = dict(type='Evaluator', metrics=cfg.val_evaluator)
    with pytest.raises(FileNotFoundError, match=r'val_evaluator\.metrics\[0\]\.ann_file'):
        check_data_config(cfg)


def test_large_json_is_only_checked_for_an_object(synthetic, tmp_path, monkeypatch):
    monkeypatch.setattr(check_data, 'MAX_PARSED_JSON_BYTES', 64)
    root = copy_coco(synthetic, tmp_path)
    check_data_config(coco_config(root))  # large files are left to the stock loader
    ann = root / 'annotations' / 'instances_train2017.json'
    ann.write_text('[' + ' 1,' * 100 + '1]')
    with pytest.raises(ValueError, match=rf'{ann} is not a json object'):
        check_data_config(coco_config(root))


def test_wrapped_datasets_report_their_key(synthetic, tmp_path):
    root = synthetic.coco_root
    broken = coco_dataset(root, ann_file='annotations/nothing.json')
    cfg = coco_config(root, dataset=dict(type='RepeatDataset', times=2, dataset=dict(
        type='ConcatDataset', datasets=[coco_dataset(root), broken])))
    with pytest.raises(FileNotFoundError, match=re.escape(
            'train_dataloader.dataset.dataset.datasets[1].ann_file')):
        check_data_config(cfg)
    cfg.train_dataloader.dataset.dataset.datasets.pop()
    check_data_config(cfg)


def test_splits_select_what_is_checked(synthetic, tmp_path):
    cfg = coco_config(synthetic.coco_root,
                      test_dataloader=dict(dataset=coco_dataset(tmp_path / 'gone')))
    check_data_config(cfg)  # train and val only
    with pytest.raises(FileNotFoundError, match=r'test_dataloader\.dataset\.data_root'):
        check_data_config(cfg, splits=('test', ))


def test_ade_folders_must_hold_files(synthetic, tmp_path):
    root = tmp_path / 'ade'
    shutil.copytree(synthetic.ade_root, root)
    shutil.rmtree(root / 'annotations' / 'training')
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset\.data_prefix\.'
                                                rf'seg_map_path: folder {root}/annotations/'
                                                r'training not found'):
        check_data_config(ade_config(root))
    (root / 'annotations' / 'training').mkdir()
    with pytest.raises(FileNotFoundError, match=rf'folder {root}/annotations/training is empty'):
        check_data_config(ade_config(root))
