"""The natural-clutter digit set: a layout the stock readers take, pixels that come from the
recorded digit (recomputed with scikit-image, not the generator's PIL resize), disjoint
source digits, distractors that are never a whole digit, determinism and the image grid."""
import json
import os
import runpy
import sys

import numpy as np
import pytest
from PIL import Image
from skimage.transform import resize
from sklearn.datasets import load_digits

from tpmm.datasets.natural_clutter import CLASSES, SPLITS, NaturalClutterGenerator

COUNTS = dict(train=10, val=10, test=10)


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp('natural_clutter')
    generator = NaturalClutterGenerator(image_size=112, seed=4)
    generator.write(str(root), **{f'num_{split}': n for split, n in COUNTS.items()})
    with open(root / 'meta' / 'generation.json') as f:
        meta = json.load(f)
    return generator, root, meta


def recomputed_glyph(digit, width, height):
    """The digit (0..16) with a blank border, cubic-spline upsampled by scikit-image."""
    return resize(np.pad(digit / 16.0, 1), (height, width), order=3, mode='constant',
                  anti_aliasing=False)


def test_imagefolder_and_annotation_files_agree(written):
    from torchvision.datasets import ImageFolder
    _, root, _ = written
    for split in SPLITS:
        folder = ImageFolder(str(root / split))
        assert folder.classes == list(CLASSES)  # every class present, '0'..'9' in order
        with open(root / 'meta' / f'{split}.txt') as f:
            lines = [line.split() for line in f.read().splitlines()]
        assert len(lines) == len(folder) == COUNTS[split]
        from_folder = {os.path.relpath(path, root / split): target
                       for path, target in folder.samples}
        assert {path: int(label) for path, label in lines} == from_folder
        assert all(path.split('/')[0] == CLASSES[int(label)] for path, label in lines)
        image, _ = folder[0]
        assert image.size == (112, 112) and image.mode == 'RGB'


def test_mmpretrain_custom_dataset_reads_it(written):
    mmpretrain = pytest.importorskip('mmpretrain')
    from mmpretrain.datasets import CustomDataset
    _, root, meta = written
    for split in SPLITS:
        dataset = CustomDataset(data_root=str(root), ann_file=f'meta/{split}.txt',
                                data_prefix=split, pipeline=[])
        assert len(dataset) == COUNTS[split], mmpretrain.__version__
        for index, record in enumerate(meta['images'][split]):
            info = dataset.get_data_info(index)
            assert info['img_path'] == str(root / split / record['file'])
            assert int(info['gt_label']) == record['label']
        scanned = CustomDataset(data_root=str(root), data_prefix=split, pipeline=[])
        assert scanned.CLASSES == CLASSES
        assert sorted((info['img_path'], int(info['gt_label'])) for info in scanned) == sorted(
            (str(root / split / r['file']), r['label']) for r in meta['images'][split])


def test_pixels_come_from_the_recorded_digit(written):
    generator, root, meta = written
    digits = load_digits()
    flat = digits.images.reshape(len(digits.images), -1)
    flat = (flat - flat.mean(1, keepdims=True)) / flat.std(1, keepdims=True)
    for split in SPLITS:
        for index, record in enumerate(meta['images'][split]):
            assert digits.target[record['source']] == record['label']
            image = np.asarray(Image.open(root / split / record['file']), np.float64)
            mask = np.asarray(Image.open(root / record['mask'])) > 0
            background = generator.sample(split, index)['background'].astype(np.float64)
            x, y, w, h = record['glyph_box']
            glyph = recomputed_glyph(digits.images[record['source']], w, h)
            # the mask is the recorded digit's footprint, and its box the recorded one
            ours = mask[y:y + h, x:x + w]
            assert mask.sum() == ours.sum()
            iou = (ours & (glyph >= 0.5)).sum() / (ours | (glyph >= 0.5)).sum()
            assert iou > 0.85, (split, index, iou)
            rows, cols = np.nonzero(mask)
            assert record['box'] == [cols.min(), rows.min(), np.ptp(cols) + 1, np.ptp(rows) + 1]
            # inside the glyph box: the recorded ink on the strokes, the untouched photo
            # elsewhere (no distractor reaches into the box)
            box_image, box_background = image[y:y + h, x:x + w], background[y:y + h, x:x + w]
            np.testing.assert_allclose(box_image[glyph > 0.8],
                                       np.broadcast_to(record['ink'], box_image[glyph > 0.8].shape),
                                       atol=0.51)
            np.testing.assert_array_equal(box_image[glyph < 0.2], box_background[glyph < 0.2])
            # and the label can be read back: the change the compositing made, pooled to
            # 8x8, is nearest (by correlation) to a digit of the recorded class
            change = np.abs(box_image - box_background).mean(-1)
            pooled = resize(change, (10, 10), anti_aliasing=True)[1:-1, 1:-1].ravel()
            pooled = (pooled - pooled.mean()) / (pooled.std() + 1e-12)
            assert digits.target[np.argmax(flat @ pooled)] == record['label'], (split, index)


def test_source_digits_are_disjoint_across_splits(written):
    _, _, meta = written
    sources = {split: {d for members in meta['sources'][split] for d in members}
               for split in SPLITS}
    assert sum(len(s) for s in sources.values()) == 1797
    assert set.union(*sources.values()) == set(range(1797))
    assert not (sources['train'] & sources['val'] or sources['train'] & sources['test']
                or sources['val'] & sources['test'])
    target = load_digits().target
    for split in SPLITS:
        for label, members in enumerate(meta['sources'][split]):
            assert (target[members] == label).all()
        for record in meta['images'][split]:
            assert record['source'] in sources[split]
            assert all(d['source'] in sources[split] for d in record['distractors']
                       if d['kind'] == 'fragment')
    labels = [record['label'] for record in meta['images']['train']]
    assert sorted(labels) == list(range(10))  # balanced classes


def test_distractors_are_never_a_whole_digit(written):
    _, _, meta = written
    images = load_digits().images
    kinds = set()
    for split in SPLITS:
        for record in meta['images'][split]:
            for distractor in record['distractors']:
                kinds.add(distractor['kind'])
                if distractor['kind'] != 'fragment':
                    continue
                row0, col0, rows, cols = distractor['crop']
                digit = images[distractor['source']]
                ink = digit[row0:row0 + rows, col0:col0 + cols].sum() / digit.sum()
                assert rows * cols < 64 and ink <= 0.5
                assert ink == pytest.approx(distractor['ink_fraction'], abs=1e-4)
    assert kinds == {'fragment', 'stroke'}


def test_image_size_and_token_grid():
    for size, stride in ((224, 16), (112, 8)):
        generator = NaturalClutterGenerator(image_size=size, seed=0)
        for index in range(4):
            sample = generator.sample('val', index)
            assert sample['image'].shape == (size, size, 3) and sample['image'].dtype == np.uint8
            assert size // stride == 14
            _, _, w, h = sample['record']['glyph_box']
            # the digit's box spans 30-55 % of the 14 tokens of a side (its width 0.8-1.2
            # times its height), its pixels some but never most of the 196 tokens
            assert 0.3 * 14 - 1 <= h / stride <= 0.55 * 14 + 1
            assert 0.8 * 0.3 * 14 - 1 <= w / stride <= 1.2 * 0.55 * 14 + 1
            tokens = sample['mask'].reshape(14, stride, 14, stride).any(axis=(1, 3)).sum()
            assert 4 <= tokens <= 196 // 2


def test_same_seed_same_images_other_seed_other_images():
    first = NaturalClutterGenerator(image_size=64, seed=1).sample('train', 3)
    again = NaturalClutterGenerator(image_size=64, seed=1).sample('train', 3)
    other = NaturalClutterGenerator(image_size=64, seed=2).sample('train', 3)
    np.testing.assert_array_equal(first['image'], again['image'])
    assert first['record'] == again['record']
    assert not np.array_equal(first['image'], other['image'])


def test_command_line_writes_and_refuses_a_used_folder(tmp_path, monkeypatch, capsys):
    script = 'tools/dataset_converters/make_natural_clutter.py'
    argv = [script, '--out', str(tmp_path / 'out'), '--image-size', '64', '--num-train', '10',
            '--num-val', '10', '--num-test', '10', '--seed', '1']
    monkeypatch.setattr(sys, 'argv', argv)
    runpy.run_path(script, run_name='__main__')
    assert 'source digits [1258, 269, 270]' in capsys.readouterr().out
    expected = NaturalClutterGenerator(image_size=64, seed=1).sample('test', 9)
    path = tmp_path / 'out' / 'test' / CLASSES[expected['label']] / '000009.png'
    np.testing.assert_array_equal(np.asarray(Image.open(path)), expected['image'])
    with pytest.raises(SystemExit, match='--out .* not empty'):
        runpy.run_path(script, run_name='__main__')


def test_command_line_difficulty_knobs_reach_the_generator(tmp_path, monkeypatch):
    script = 'tools/dataset_converters/make_natural_clutter.py'
    knobs = dict(digit_size=(0.45, 0.7), contrast=(90.0, 180.0), num_fragments=(0, 1),
                 num_strokes=(1, 3))
    argv = [script, '--out', str(tmp_path / 'out'), '--image-size', '64', '--num-train', '0',
            '--num-val', '0', '--num-test', '3', '--seed', '2']
    for key, (low, high) in knobs.items():
        argv += [f'--{key.replace("_", "-")}', str(low), str(high)]
    monkeypatch.setattr(sys, 'argv', argv)
    runpy.run_path(script, run_name='__main__')
    with open(tmp_path / 'out' / 'meta' / 'generation.json') as f:
        settings = json.load(f)['settings']
    assert {key: tuple(settings[key]) for key in knobs} == knobs
    expected = NaturalClutterGenerator(image_size=64, seed=2, **knobs).sample('test', 2)
    path = tmp_path / 'out' / 'test' / CLASSES[expected['label']] / '000002.png'
    np.testing.assert_array_equal(np.asarray(Image.open(path)), expected['image'])


def test_bad_arguments_name_the_key():
    for kwargs, key in ((dict(image_size=16), 'image_size'), (dict(digit_size=(0.5, 0.3)),
                                                              'digit_size'),
                        (dict(contrast=(0, 10)), 'contrast'), (dict(num_strokes=(3, 1)),
                                                               'num_strokes'),
                        (dict(split_fractions=(0.5, 0.5)), 'split_fractions'),
                        (dict(photos=()), 'photos')):
        with pytest.raises(ValueError, match=key):
            NaturalClutterGenerator(**kwargs)
    with pytest.raises(ValueError, match="split='training'"):
        NaturalClutterGenerator(image_size=64).sample('training', 0)
