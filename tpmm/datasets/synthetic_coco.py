"""Seeded COCO-format instance set of painted shapes on natural-photo (or synthetic
clutter) backgrounds, laid out like COCO 2017::

    <out_dir>/annotations/instances_train2017.json, instances_val2017.json
    <out_dir>/train2017/000000000001.jpg ...   <out_dir>/val2017/...

It is read by the stock ``CocoDataset`` / ``CocoMetric`` unchanged.

Occlusion rules (shapes are painted back to front, a later shape covers earlier ones):

- an earlier shape's ``segmentation`` (polygons), ``bbox`` and ``area`` describe only its
  visible part, which can be several polygons;
- a fully hidden shape is painted but gets no annotation;
- a placement that would punch a hole into an earlier shape (polygons cannot carry
  holes) or leave it a visible sliver under ``min_visible_area`` pixels is redrawn (up to
  ``MAX_PLACEMENT_TRIES`` times, then that object is left out).

Shapes may be cut by the image border (at least half of each lies inside); the
annotation then covers the part inside the image.
"""
import json
import os
import os.path as osp

import numpy as np
import shapely

from .synthetic_shapes import (SHAPE_CLASSES, check_background, check_shape_classes,
                               render_scene, sample_shape, save_jpeg, visible_masks)

MAX_PLACEMENT_TRIES = 20
_SPLITS = ('train', 'val')


class SyntheticCocoGenerator:
    """Deterministic generator of COCO-format shape images and instance annotations.

    Args:
        height, width (int): image size in pixels.
        classes (sequence[str]): shape classes, category ids 1..K in this order; any
            subset of :data:`SHAPE_CLASSES`.
        objects_per_image (tuple[int, int]): inclusive range of shapes drawn per
            non-empty image.
        size_range (tuple[float, float]): shape diameter range as a fraction of the
            image's short side.
        empty_ratio (float): fraction of images without any shape (at least one per
            split of two or more images when > 0).
        min_visible_area (float): smallest visible area (pixels) an occluded shape may
            keep; see the module docstring.
        background (str): ``'natural'`` (crops of bundled photographs) or ``'clutter'``
            (a synthetic texture with strokes); never annotated, and the shapes and
            annotations of an image do not depend on it.
        seed (int): the whole set is a function of the arguments and this seed.
    """

    def __init__(self, height=128, width=128, classes=SHAPE_CLASSES, objects_per_image=(1, 6),
                 size_range=(0.12, 0.45), empty_ratio=0.1, min_visible_area=24.0,
                 background='natural', seed=0):
        if height < 16 or width < 16:
            raise ValueError(f'height and width must be >= 16, got {height}x{width}')
        if not 1 <= objects_per_image[0] <= objects_per_image[1]:
            raise ValueError(f'objects_per_image must be (min, max) with 1 <= min <= max, '
                             f'got {objects_per_image}')
        if not 0 < size_range[0] <= size_range[1] <= 1:
            raise ValueError(f'size_range must be (min, max) in (0, 1], got {size_range}')
        if not 0 <= empty_ratio < 1:
            raise ValueError(f'empty_ratio must be in [0, 1), got {empty_ratio}')
        self.height, self.width = int(height), int(width)
        self.classes = check_shape_classes(classes)
        self.objects_per_image = tuple(objects_per_image)
        self.size_range = tuple(size_range)
        self.empty_ratio = float(empty_ratio)
        self.min_visible_area = float(min_visible_area)
        self.background = check_background(background)
        self.seed = int(seed)

    def categories(self):
        """COCO ``categories``: ids 1..K in ``classes`` order."""
        return [dict(id=i + 1, name=name, supercategory='shape')
                for i, name in enumerate(self.classes)]

    def empty_indices(self, split, num_images):
        """Indices of the images of ``split`` that hold no shape."""
        if self.empty_ratio == 0 or num_images < 2:
            return set()
        num_empty = max(1, int(round(num_images * self.empty_ratio)))
        rng = np.random.default_rng([self.seed, _split_code(split)])
        return set(rng.permutation(num_images)[:num_empty].tolist())

    def sample(self, split, index, empty=False):
        """Render image ``index`` of ``split``.

        Returns a dict with ``image`` (uint8 RGB [H, W, 3]) and ``instances``: one dict per
        annotated shape with ``category_id``, ``segmentation`` (list of flat polygons),
        ``bbox`` ([x, y, w, h]), ``area`` and ``mask`` (bool [H, W], its visible pixels
        as painted).
        """
        rng = np.random.default_rng([self.seed, _split_code(split), index])
        shapes, visible = [], []
        num_objects = 0 if empty else int(rng.integers(self.objects_per_image[0],
                                                        self.objects_per_image[1] + 1))
        for _ in range(num_objects):
            for _ in range(MAX_PLACEMENT_TRIES):
                class_index, polygon = sample_shape(rng, self.classes, self.height, self.width,
                                                    self.size_range)
                trimmed = [part.difference(polygon) for part in visible]
                if all(self._keeps_valid_annotation(part) for part in trimmed):
                    visible = trimmed + [polygon]
                    shapes.append((self.classes[class_index], polygon))
                    break

        image, masks, _ = render_scene(rng, self.height, self.width, shapes, self.background)
        instances = []
        for (kind, _), geometry, mask in zip(shapes, visible, visible_masks(masks)):
            polygons = [part for part in shapely.get_parts(geometry)
                        if part.geom_type == 'Polygon' and part.area >= 1.0]
            if not polygons:  # fully hidden: painted, not annotated
                continue
            x0, y0, x1, y1 = shapely.MultiPolygon(polygons).bounds
            instances.append(dict(
                category_id=self.classes.index(kind) + 1,
                segmentation=[_flat_coords(p) for p in polygons],
                bbox=[round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)],
                area=round(sum(p.area for p in polygons), 2),
                mask=mask))
        return dict(image=image, instances=instances)

    def write(self, out_dir, num_train=64, num_val=16):
        """Write both splits under ``out_dir``; returns a summary per split."""
        os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
        summary = {}
        for split, num_images in (('train', num_train), ('val', num_val)):
            img_dir = osp.join(out_dir, f'{split}2017')
            os.makedirs(img_dir, exist_ok=True)
            empty = self.empty_indices(split, num_images)
            images, annotations = [], []
            for index in range(num_images):
                sample = self.sample(split, index, empty=index in empty)
                image_id = index + 1
                file_name = f'{image_id:012d}.jpg'
                save_jpeg(sample['image'], osp.join(img_dir, file_name))
                images.append(dict(id=image_id, file_name=file_name, height=self.height,
                                   width=self.width, license=1,
                                   date_captured='2017-01-01 00:00:00'))
                for instance in sample['instances']:
                    annotations.append(dict(
                        id=len(annotations) + 1, image_id=image_id, iscrowd=0,
                        **{k: v for k, v in instance.items() if k != 'mask'}))
            ann_file = osp.join(out_dir, 'annotations', f'instances_{split}2017.json')
            with open(ann_file, 'w') as f:
                json.dump(dict(info=self._info(), licenses=_LICENSES, images=images,
                               annotations=annotations, categories=self.categories()), f)
            summary[split] = dict(ann_file=ann_file, img_dir=img_dir, images=num_images,
                                  annotations=len(annotations), empty_images=len(empty))
        return summary

    def _keeps_valid_annotation(self, geometry):
        """Whether a visible part is fully hidden or a hole-free region of enough area."""
        if geometry.area < 1e-6:
            return True
        if geometry.area < self.min_visible_area:
            return False
        return all(len(part.interiors) == 0 for part in shapely.get_parts(geometry)
                   if part.geom_type == 'Polygon')

    def _info(self):
        return dict(description=f'tpmm synthetic shapes ({", ".join(self.classes)}) on '
                    f'{self.background} backgrounds, seed {self.seed}', url='', version='1.0',
                    year=2017, contributor='tpmm', date_created='2017/01/01')


_LICENSES = [dict(id=1, name='CC0 1.0 (generated data)', url='')]


def _split_code(split):
    if split not in _SPLITS:
        raise ValueError(f'split must be one of {_SPLITS}, got {split!r}')
    return _SPLITS.index(split)


def _flat_coords(polygon):
    """COCO polygon [x1, y1, x2, y2, ...] of a shapely polygon's exterior."""
    return [round(float(v), 2) for xy in polygon.exterior.coords[:-1] for v in xy]
