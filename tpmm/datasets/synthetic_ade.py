"""Seeded ADEChallengeData2016-format semantic segmentation set of painted shapes on
natural-photo (or synthetic clutter) backgrounds::

    <out_dir>/ADEChallengeData2016/images/training/ADE_train_00000001.jpg ...
    <out_dir>/ADEChallengeData2016/images/validation/ADE_val_00000001.jpg ...
    <out_dir>/ADEChallengeData2016/annotations/{training,validation}/<same stem>.png

Label maps are uint8 PNGs in ADE20K's convention: 0 = "other" (unlabeled), 1..K = classes.
Here 1 is the background (every photo pixel no shape covers), 2..K are the shape classes
in order; with ``background='clutter'`` the unannotated clutter strokes and blobs are 0.
mmseg's ``ADE20KDataset`` (``reduce_zero_label=True``) maps 0 to the ignore index 255 and
label v to class v - 1, so training ids 0..K-1 index the first K of ADE20K's 150 class
names; ``IoUMetric`` reports NaN for the classes that never occur.
"""
import os
import os.path as osp

import numpy as np
from PIL import Image

from .synthetic_shapes import (SHAPE_CLASSES, check_background, check_shape_classes,
                               render_scene, sample_shape, save_jpeg)

BACKGROUND_LABEL = 1
_SPLITS = {'training': 'train', 'validation': 'val'}


class SyntheticADEGenerator:
    """Deterministic generator of ADE20K-format shape images and label maps.

    Args:
        height, width (int): image size in pixels.
        classes (sequence[str]): shape classes, labels 2..len(classes)+1 in this order;
            any subset of :data:`SHAPE_CLASSES`.
        objects_per_image (tuple[int, int]): inclusive range of shapes per image.
        size_range (tuple[float, float]): shape diameter range as a fraction of the
            image's short side.
        background (str): ``'natural'`` (crops of bundled photographs) or ``'clutter'``
            (a synthetic texture with strokes, labelled 0); the shapes of an image do not
            depend on it.
        seed (int): the whole set is a function of the arguments and this seed.
    """

    def __init__(self, height=128, width=128, classes=SHAPE_CLASSES, objects_per_image=(1, 6),
                 size_range=(0.12, 0.45), background='natural', seed=0):
        if height < 16 or width < 16:
            raise ValueError(f'height and width must be >= 16, got {height}x{width}')
        if not 1 <= objects_per_image[0] <= objects_per_image[1]:
            raise ValueError(f'objects_per_image must be (min, max) with 1 <= min <= max, '
                             f'got {objects_per_image}')
        if not 0 < size_range[0] <= size_range[1] <= 1:
            raise ValueError(f'size_range must be (min, max) in (0, 1], got {size_range}')
        self.height, self.width = int(height), int(width)
        self.classes = check_shape_classes(classes)
        self.objects_per_image = tuple(objects_per_image)
        self.size_range = tuple(size_range)
        self.background = check_background(background)
        self.seed = int(seed)

    @property
    def num_labels(self):
        """K: the largest label value (background surface + shape classes)."""
        return len(self.classes) + BACKGROUND_LABEL

    def label_names(self):
        """``{label value: name}`` for the values 1..K of the label maps."""
        names = {BACKGROUND_LABEL: 'background'}
        names.update({BACKGROUND_LABEL + 1 + i: name for i, name in enumerate(self.classes)})
        return names

    def sample(self, split, index):
        """Render image ``index`` of ``split`` ('training' or 'validation').

        Returns ``(image, label_map)``: uint8 RGB [H, W, 3] and uint8 [H, W] in 0..K.
        """
        if split not in _SPLITS:
            raise ValueError(f'split must be one of {tuple(_SPLITS)}, got {split!r}')
        rng = np.random.default_rng([self.seed, list(_SPLITS).index(split), index])
        num_objects = int(rng.integers(self.objects_per_image[0], self.objects_per_image[1] + 1))
        shapes = []
        for _ in range(num_objects):
            class_index, polygon = sample_shape(rng, self.classes, self.height, self.width,
                                                self.size_range)
            shapes.append((self.classes[class_index], polygon))
        image, masks, clutter_mask = render_scene(rng, self.height, self.width, shapes,
                                                  self.background)
        label_map = np.full((self.height, self.width), BACKGROUND_LABEL, dtype=np.uint8)
        label_map[clutter_mask] = 0
        for (kind, _), mask in zip(shapes, masks):  # back to front, like the painting
            label_map[mask] = BACKGROUND_LABEL + 1 + self.classes.index(kind)
        return image, label_map

    def write(self, out_dir, num_train=64, num_val=16):
        """Write both splits under ``out_dir/ADEChallengeData2016``; returns a summary."""
        root = osp.join(out_dir, 'ADEChallengeData2016')
        summary = {}
        for split, num_images in (('training', num_train), ('validation', num_val)):
            img_dir = osp.join(root, 'images', split)
            ann_dir = osp.join(root, 'annotations', split)
            os.makedirs(img_dir, exist_ok=True)
            os.makedirs(ann_dir, exist_ok=True)
            for index in range(num_images):
                image, label_map = self.sample(split, index)
                stem = f'ADE_{_SPLITS[split]}_{index + 1:08d}'
                save_jpeg(image, osp.join(img_dir, stem + '.jpg'))
                Image.fromarray(label_map).save(osp.join(ann_dir, stem + '.png'))
            summary[split] = dict(img_dir=img_dir, ann_dir=ann_dir, images=num_images)
        return summary
