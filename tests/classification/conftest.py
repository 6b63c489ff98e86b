"""A tiny ImageNet in the official repositories' layout, written by the tests.

``train/<wnid>/<wnid>_<i>.png`` class folders (what mmpretrain's ``ImageNet`` lists when
there is no annotation file) and ``val/ILSVRC2012_val_<i>.png`` with
``meta/val.txt`` (``name label`` lines, what ``ImageNet(split='val')`` reads when the
file exists). Class ``c`` is crops of the ``c``-th photograph bundled with
scikit-image, so the classes differ in content.
"""
import os

import numpy as np
import pytest
from PIL import Image

from tpmm.datasets import NATURAL_PHOTOS

CLASSES = tuple(f'n0000000{c}' for c in range(6))
TRAIN_PER_CLASS = 2
IMAGE_SIZE = 48


def photo_crops(photo: str, count: int, seed: int):
    """``count`` random square crops of a bundled photograph, ``IMAGE_SIZE`` px, RGB."""
    from skimage import data
    image = np.asarray(getattr(data, photo)())
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    image = image[..., :3]
    rng = np.random.default_rng(seed)
    side = min(image.shape[:2]) // 2
    for _ in range(count):
        y = int(rng.integers(0, image.shape[0] - side + 1))
        x = int(rng.integers(0, image.shape[1] - side + 1))
        crop = Image.fromarray(image[y:y + side, x:x + side])
        yield crop.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)


@pytest.fixture(scope='session')
def tiny_imagenet(tmp_path_factory):
    """Root of the tiny ImageNet; ``(root, classes, val labels)``."""
    root = tmp_path_factory.mktemp('imagenet')
    (root / 'val').mkdir()
    (root / 'meta').mkdir()
    val_lines, val_labels = [], []
    for label, (wnid, photo) in enumerate(zip(CLASSES, NATURAL_PHOTOS)):
        os.makedirs(root / 'train' / wnid)
        crops = list(photo_crops(photo, TRAIN_PER_CLASS + 1, seed=label))
        for i, crop in enumerate(crops[:TRAIN_PER_CLASS]):
            crop.save(root / 'train' / wnid / f'{wnid}_{i}.png')
        name = f'ILSVRC2012_val_{label:08d}.png'
        crops[-1].save(root / 'val' / name)
        val_lines.append(f'{name} {label}')
        val_labels.append(label)
    (root / 'meta' / 'val.txt').write_text('\n'.join(val_lines) + '\n')
    return str(root), CLASSES, val_labels
