"""The dense demo scenes on natural-photo backgrounds: the untouched photo crop wherever no
object is, annotations that do not depend on the background, the ADE background label on
every photo pixel, one static photo per MOT sequence, and make_synthetic.py's flag."""
import json
import runpy
import sys

import numpy as np
import pytest
from PIL import Image

from tpmm.datasets.natural_backgrounds import NaturalBackgroundSampler
from tpmm.datasets.synthetic_ade import BACKGROUND_LABEL, SyntheticADEGenerator
from tpmm.datasets.synthetic_coco import SyntheticCocoGenerator
from tpmm.datasets.synthetic_mot import SyntheticMOTGenerator
from tpmm.datasets.synthetic_shapes import render_scene, shape_polygon


def test_natural_scene_is_the_photo_crop_outside_the_shapes():
    shapes = [('circle', shape_polygon('circle', 20, 20, 18)),
              ('star', shape_polygon('star', 40, 30, 30, angle=10))]
    image, masks, clutter = render_scene(np.random.default_rng(11), 48, 64, shapes, 'natural')
    photo = NaturalBackgroundSampler().sample(np.random.default_rng(11), 48, 64)
    outside = ~(masks[0] | masks[1])
    assert masks[0].any() and masks[1].any() and not clutter.any()
    np.testing.assert_array_equal(image[outside], photo[outside])
    assert not np.array_equal(image[~outside], photo[~outside])


def test_coco_annotations_do_not_depend_on_the_background():
    kwargs = dict(height=64, width=64, objects_per_image=(2, 4), empty_ratio=0, seed=2)
    natural = SyntheticCocoGenerator(**kwargs)
    clutter = SyntheticCocoGenerator(background='clutter', **kwargs)
    assert natural.background == 'natural'
    for index in range(3):
        a, b = natural.sample('train', index), clutter.sample('train', index)
        assert len(a['instances']) == len(b['instances']) > 0
        for x, y in zip(a['instances'], b['instances']):
            assert {k: v for k, v in x.items() if k != 'mask'} \
                == {k: v for k, v in y.items() if k != 'mask'}
            np.testing.assert_array_equal(x['mask'], y['mask'])
        objects = np.any([inst['mask'] for inst in a['instances']], axis=0)
        assert np.abs(a['image'][~objects].astype(int) - b['image'][~objects]).mean() > 10


def test_ade_background_label_covers_every_photo_pixel():
    natural = SyntheticADEGenerator(height=48, width=48, seed=5)
    clutter = SyntheticADEGenerator(height=48, width=48, background='clutter', seed=5)
    for index in range(3):
        image, labels = natural.sample('training', index)
        _, clutter_labels = clutter.sample('training', index)
        # the same shapes; what is unlabeled clutter (0) there is photo background here
        assert 0 not in labels and (labels == BACKGROUND_LABEL).any()
        assert (clutter_labels == 0).any() and (clutter_labels > BACKGROUND_LABEL).any()
        np.testing.assert_array_equal(
            labels, np.where(clutter_labels == 0, BACKGROUND_LABEL, clutter_labels))
        background = labels == BACKGROUND_LABEL
        assert image[background].std() > 10  # textured: the photo, not a flat colour


def test_mot_sequence_keeps_one_photo_and_the_same_tracks():
    kwargs = dict(height=48, width=80, seq_length=8, objects_per_sequence=(2, 3), seed=1)
    natural = SyntheticMOTGenerator(**kwargs).sample_sequence('train', 0)
    clutter = SyntheticMOTGenerator(background='clutter', **kwargs).sample_sequence('train', 0)
    np.testing.assert_array_equal(natural['gt'], clutter['gt'])
    first, last = natural['frames'][0].astype(float), natural['frames'][-1].astype(float)
    covered = [np.any(list(masks.values()), axis=0) for masks in natural['masks']]
    free = ~(covered[0] | covered[-1])
    # the same photo under fresh sensor noise (std 3 per frame), not a new crop per frame
    assert free.sum() > 100
    assert np.abs(first[free] - last[free]).mean() < 6
    assert first[free].std() > 10
    assert np.abs(first[free] - clutter['frames'][0][free]).mean() > 10


@pytest.mark.parametrize('generator', [SyntheticCocoGenerator, SyntheticADEGenerator,
                                       SyntheticMOTGenerator])
def test_unknown_background_is_named(generator):
    with pytest.raises(ValueError, match="background .* got 'flat'"):
        generator(background='flat')


def test_make_synthetic_background_flag_rewrites_only_the_pixels(tmp_path, monkeypatch):
    script = 'tools/dataset_converters/make_synthetic.py'
    root = tmp_path / 'synthetic_coco'

    def write(*extra):
        monkeypatch.setattr(sys, 'argv', [script, '--out', str(tmp_path), '--which', 'coco',
                                          '--image-size', '32', '--coco-images', '2', '1',
                                          *extra])
        runpy.run_path(script, run_name='__main__')
        with open(root / 'tpmm_synthetic.json') as f:
            record = json.load(f)
        with open(root / 'annotations' / 'instances_train2017.json') as f:
            annotations = json.load(f)
        image = np.asarray(Image.open(root / 'train2017' / '000000000001.jpg'))
        return record, annotations, image

    natural, natural_ann, natural_image = write()
    clutter, clutter_ann, clutter_image = write('--background', 'clutter')
    assert (natural['background'], clutter['background']) == ('natural', 'clutter')
    assert natural_ann['annotations'] == clutter_ann['annotations']
    assert 'natural backgrounds' in natural_ann['info']['description']
    assert not np.array_equal(natural_image, clutter_image)
