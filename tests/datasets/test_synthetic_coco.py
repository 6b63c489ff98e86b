"""The synthetic COCO set: valid COCO json, masks and boxes that match the painted shapes,
occlusion, empty images, determinism, and the stock mmdet loader and metric."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools.coco import COCO

from tpmm.datasets.synthetic_coco import SyntheticCocoGenerator
from tpmm.datasets.synthetic_shapes import SHAPE_CLASSES, SHAPE_COLORS


def load_split(synthetic, split):
    ann_file = osp.join(synthetic.coco_root, 'annotations', f'instances_{split}2017.json')
    return ann_file, COCO(ann_file)


def generator_samples(generator, split, num_images):
    empty = generator.empty_indices(split, num_images)
    return [generator.sample(split, i, empty=i in empty) for i in range(num_images)]


def test_json_has_the_coco_structure(synthetic):
    ann_file, _ = load_split(synthetic, 'train')
    with open(ann_file) as f:
        content = json.load(f)
    assert set(content) == {'info', 'licenses', 'images', 'annotations', 'categories'}
    assert [c['name'] for c in content['categories']] == list(SHAPE_CLASSES)
    assert [c['id'] for c in content['categories']] == list(range(1, len(SHAPE_CLASSES) + 1))
    assert all(c['supercategory'] == 'shape' for c in content['categories'])
    assert len(content['images']) == synthetic.coco_counts['num_train']
    for image in content['images']:
        assert osp.isfile(osp.join(synthetic.coco_root, 'train2017', image['file_name']))
        assert Image.open(osp.join(synthetic.coco_root, 'train2017', image['file_name'])).size \
            == (image['width'], image['height']) == (96, 96)
    ann_ids = [a['id'] for a in content['annotations']]
    assert len(set(ann_ids)) == len(ann_ids) and min(ann_ids) >= 1
    for ann in content['annotations']:
        assert ann['iscrowd'] == 0 and ann['area'] > 0
        assert all(len(polygon) >= 6 and len(polygon) % 2 == 0 for polygon in ann['segmentation'])


@pytest.mark.parametrize('split', ['train', 'val'])
def test_masks_and_boxes_match_the_painted_shapes(synthetic, split):
    num_images = synthetic.coco_counts[f'num_{split}']
    _, coco = load_split(synthetic, split)
    samples = generator_samples(synthetic.coco, split, num_images)
    checked = 0
    for index, sample in enumerate(samples):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[index + 1]))
        assert len(anns) == len(sample['instances'])
        image = np.asarray(Image.open(
            osp.join(synthetic.coco_root, f'{split}2017', f'{index + 1:012d}.jpg')), np.float32)
        for ann, instance in zip(anns, sample['instances']):
            decoded = coco.annToMask(ann).astype(bool)
            painted = instance['mask']
            iou = (decoded & painted).sum() / (decoded | painted).sum()
            assert iou > 0.9, f'image {index}: mask IoU {iou:.3f}'
            rows, cols = np.nonzero(decoded)
            x, y, w, h = ann['bbox']
            # the box is the polygons' extent; a sharp tip may cover no pixel centre
            assert abs(cols.min() - x) <= 2 and abs(cols.max() + 1 - (x + w)) <= 2
            assert abs(rows.min() - y) <= 2 and abs(rows.max() + 1 - (y + h)) <= 2
            assert abs(decoded.sum() - ann['area']) <= 0.1 * ann['area'] + 4
            # the pixels under the mask carry the colour of the annotated class
            mean_color = image[painted].mean(axis=0)
            nearest = min(SHAPE_CLASSES, key=lambda k: np.linalg.norm(mean_color - SHAPE_COLORS[k]))
            assert nearest == SHAPE_CLASSES[ann['category_id'] - 1]
            checked += 1
    assert checked > 0


def test_some_images_are_empty(synthetic):
    _, coco = load_split(synthetic, 'train')
    num_images = synthetic.coco_counts['num_train']
    empty = {i + 1 for i in synthetic.coco.empty_indices('train', num_images)}
    assert empty  # 0.2 of 6 images
    without_annotations = {img for img in coco.getImgIds() if not coco.getAnnIds(imgIds=[img])}
    assert without_annotations == empty


def test_occluded_shapes_are_annotated_by_their_visible_part():
    generator = SyntheticCocoGenerator(height=64, width=64, objects_per_image=(6, 6),
                                       size_range=(0.35, 0.5), empty_ratio=0, seed=1)
    touching = 0
    for index in range(4):
        masks = [inst['mask'] for inst in generator.sample('train', index)['instances']]
        for i in range(len(masks)):
            for j in range(i + 1, len(masks)):
                assert not (masks[i] & masks[j]).any()
                grown = masks[i] | np.roll(masks[i], 1, 0) | np.roll(masks[i], 1, 1) \
                    | np.roll(masks[i], -1, 0) | np.roll(masks[i], -1, 1)
                touching += int((grown & masks[j]).any())
    assert touching > 0  # shapes did overlap, and their annotations split the pixels


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    def write(seed, name):
        SyntheticCocoGenerator(height=32, width=32, seed=seed).write(
            str(tmp_path / name), num_train=2, num_val=1)
        with open(tmp_path / name / 'annotations' / 'instances_train2017.json', 'rb') as f:
            ann = f.read()
        with open(tmp_path / name / 'train2017' / '000000000002.jpg', 'rb') as f:
            return ann, f.read()

    assert write(5, 'a') == write(5, 'b')
    assert write(6, 'c')[0] != write(5, 'a')[0]


def test_bad_arguments_name_the_value():
    with pytest.raises(ValueError, match='hexagon'):
        SyntheticCocoGenerator(classes=('circle', 'hexagon'))
    with pytest.raises(ValueError, match='size_range'):
        SyntheticCocoGenerator(size_range=(0.5, 0.2))
    with pytest.raises(ValueError, match="'test'"):
        SyntheticCocoGenerator().sample('test', 0)


def test_mmdet_coco_dataset_reads_it(synthetic):
    from mmdet.datasets import CocoDataset
    common = dict(data_root=str(synthetic.coco_root), metainfo=dict(classes=SHAPE_CLASSES),
                  data_prefix=dict(img='train2017/'), pipeline=[],
                  ann_file='annotations/instances_train2017.json')
    train = CocoDataset(filter_cfg=dict(filter_empty_gt=True, min_size=32), **common)
    test = CocoDataset(test_mode=True, **common)
    num_empty = len(synthetic.coco.empty_indices('train', synthetic.coco_counts['num_train']))
    assert len(test) == synthetic.coco_counts['num_train']
    assert len(train) == synthetic.coco_counts['num_train'] - num_empty
    info = train.get_data_info(0)
    assert osp.isfile(info['img_path']) and info['instances']
    assert all(inst['mask'] and 0 <= inst['bbox_label'] < len(SHAPE_CLASSES)
               for inst in info['instances'])


def test_coco_metric_scores_the_painted_shapes_as_perfect(synthetic):
    """The generator's own masks (and their pixel boxes) as predictions match every
    annotation of CocoMetric's ground truth at IoU 0.5."""
    from mmdet.evaluation import CocoMetric
    ann_file, _ = load_split(synthetic, 'val')
    metric = CocoMetric(ann_file=ann_file, metric=['bbox', 'segm'])
    metric.dataset_meta = dict(classes=SHAPE_CLASSES)
    samples = generator_samples(synthetic.coco, 'val', synthetic.coco_counts['num_val'])
    for index, sample in enumerate(samples):
        masks = np.stack([inst['mask'] for inst in sample['instances']]) \
            if sample['instances'] else np.zeros((0, 96, 96), bool)
        boxes = [[c.min(), r.min(), c.max() + 1, r.max() + 1]
                 for r, c in (np.nonzero(m) for m in masks)]
        metric.process({}, [dict(
            img_id=index + 1, ori_shape=(96, 96),
            pred_instances=dict(
                bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                scores=torch.ones(len(boxes)),
                labels=torch.tensor([inst['category_id'] - 1 for inst in sample['instances']],
                                    dtype=torch.long),
                masks=torch.from_numpy(masks)))])
    results = metric.evaluate(size=synthetic.coco_counts['num_val'])
    assert results['coco/bbox_mAP_50'] == pytest.approx(1.0)
    assert results['coco/segm_mAP_50'] == pytest.approx(1.0)
    assert results['coco/segm_mAP'] > 0.8
