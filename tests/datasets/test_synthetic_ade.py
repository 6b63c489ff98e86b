"""The synthetic ADEChallengeData2016 set: file layout, label values, labels that match the
painted colours, and mmseg's ADE20KDataset / IoUMetric on it."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from tpmm.datasets.synthetic_ade import BACKGROUND_LABEL, SyntheticADEGenerator
from tpmm.datasets.synthetic_shapes import SHAPE_CLASSES, SHAPE_COLORS

SPLITS = {'training': 'train', 'validation': 'val'}


@pytest.mark.parametrize('split', list(SPLITS))
def test_layout_and_label_values(synthetic, split):
    images = sorted(os.listdir(synthetic.ade_root / 'images' / split))
    labels = sorted(os.listdir(synthetic.ade_root / 'annotations' / split))
    count = synthetic.ade_counts[f'num_{SPLITS[split]}']
    assert images == [f'ADE_{SPLITS[split]}_{i:08d}.jpg' for i in range(1, count + 1)]
    assert labels == [name.replace('.jpg', '.png') for name in images]
    num_labels = synthetic.ade.num_labels
    assert num_labels == len(SHAPE_CLASSES) + 1
    for name in labels:
        png = Image.open(synthetic.ade_root / 'annotations' / split / name)
        assert png.mode == 'L' and png.size == (64, 64)
        values = np.unique(np.asarray(png))
        assert values.min() >= 0 and values.max() <= num_labels
        assert BACKGROUND_LABEL in values and values.max() > BACKGROUND_LABEL  # shapes present


def test_labels_match_the_painted_colours(synthetic):
    shapes_seen = set()
    for index in range(synthetic.ade_counts['num_train']):
        stem = f'ADE_train_{index + 1:08d}'
        image = np.asarray(Image.open(synthetic.ade_root / 'images' / 'training' / f'{stem}.jpg'),
                           np.float32)
        label_map = np.asarray(Image.open(
            synthetic.ade_root / 'annotations' / 'training' / f'{stem}.png'))
        regenerated_image, regenerated_labels = synthetic.ade.sample('training', index)
        np.testing.assert_array_equal(label_map, regenerated_labels)
        assert np.abs(image - regenerated_image).mean() < 10  # JPEG loss on a noisy image
        for value, name in synthetic.ade.label_names().items():
            if name == 'background' or not (label_map == value).any():
                continue
            mean_color = image[label_map == value].mean(axis=0)
            nearest = min(SHAPE_CLASSES, key=lambda k: np.linalg.norm(mean_color - SHAPE_COLORS[k]))
            assert nearest == name
            shapes_seen.add(name)
    assert shapes_seen


def test_subset_of_classes_keeps_labels_dense():
    generator = SyntheticADEGenerator(height=32, width=32, classes=('star', 'circle'), seed=0)
    assert generator.label_names() == {1: 'background', 2: 'star', 3: 'circle'}
    _, label_map = generator.sample('validation', 0)
    assert set(np.unique(label_map)) <= {0, 1, 2, 3}
    with pytest.raises(ValueError, match="'val'"):
        generator.sample('val', 0)


def test_mmseg_ade20k_dataset_and_iou_metric(synthetic):
    from mmengine.registry import DefaultScope
    from mmseg.datasets import ADE20KDataset
    from mmseg.evaluation import IoUMetric

    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = ADE20KDataset(
            data_root=str(synthetic.ade_root),
            data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                      dict(type='PackSegInputs')])
    assert len(dataset) == synthetic.ade_counts['num_val']
    assert dataset.reduce_zero_label and len(dataset.metainfo['classes']) == 150

    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dataset.metainfo
    for index in range(len(dataset)):
        packed = dataset[index]
        gt = packed['data_samples'].gt_sem_seg.data
        raw = np.asarray(Image.open(dataset.get_data_info(index)['seg_map_path']))
        expected = np.where(raw == 0, 255, raw.astype(np.int64) - 1)  # reduce_zero_label
        np.testing.assert_array_equal(gt[0].numpy(), expected)
        metric.process({}, [dict(pred_sem_seg=dict(data=gt.clone()),
                                 gt_sem_seg=dict(data=gt.clone()))])
    results = metric.evaluate(len(dataset))
    assert results['mIoU'] == pytest.approx(100.0)  # absent classes are NaN and left out

    wrong = IoUMetric(iou_metrics=['mIoU'])
    wrong.dataset_meta = dataset.metainfo
    gt = dataset[0]['data_samples'].gt_sem_seg.data
    wrong.process({}, [dict(pred_sem_seg=dict(data=torch.zeros_like(gt)),
                            gt_sem_seg=dict(data=gt.clone()))])
    assert wrong.evaluate(1)['mIoU'] < 100.0
