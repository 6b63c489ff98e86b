import pytest

from tpmm.datasets.synthetic_coco import SyntheticCocoGenerator


@pytest.fixture(scope='session')
def tiny_coco_root(tmp_path_factory):
    """A tiny generated COCO-format instance set (64x64 images, 3 classes)."""
    root = tmp_path_factory.mktemp('tiny_coco')
    SyntheticCocoGenerator(height=64, width=64, classes=('circle', 'square', 'triangle'),
                           objects_per_image=(1, 3), seed=0).write(str(root), num_train=8,
                                                                   num_val=4)
    return str(root)
