"""Seeded natural-clutter digit classification set: real handwriting on real photographs::

    <out_dir>/{train,val,test}/<class>/<id>.png    images (ImageFolder / CustomDataset layout)
    <out_dir>/masks/{train,val,test}/<class>/<id>.png   the digit's binary mask (0 / 255)
    <out_dir>/meta/{train,val,test}.txt            ``<class>/<id>.png <label>``, relative to
                                                   the split folder (ImageNet's meta/ files)
    <out_dir>/meta/generation.json                 settings, source digits, per-image records

Each image is a crop of a photograph bundled with scikit-image
(:class:`~tpmm.datasets.natural_backgrounds.NaturalBackgroundSampler`) with one digit of
scikit-learn's bundled handwriting (``load_digits``: 1797 digits, 8x8 pixels, 0..16),
upsampled bicubically and composited through a soft alpha (``alpha = clip((glyph - 0.35) /
0.3, 0, 1)``, mask = ``alpha >= 0.5``) with a random ink colour, polarity (darker or
lighter than the photo under it) and contrast, at a random size and position. Around it,
outside a margin of the digit's box, lie distractors: fragments of other digits (a crop
of at most half of that digit's ink, so never a whole digit) and random pen strokes, drawn
with the digit's own ink half of the time, so neither colour nor polarity tells the class.

The 1797 digits are split by a seeded permutation, per class, into train / val / test
sources before any compositing; an image of a split shows only digits (and fragments) of
that split's sources. Image ``i`` shows class ``i % 10`` (so every split of ten or more
images holds every class, in equal shares), its class's sources used in turn. Every image
is a function of ``(seed, split, index)``.
"""
import json
import os
import os.path as osp
from functools import lru_cache
from typing import Dict, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .natural_backgrounds import NATURAL_PHOTOS, NaturalBackgroundSampler

SPLITS = ('train', 'val', 'test')
CLASSES = tuple(str(i) for i in range(10))
ALPHA_LOW, ALPHA_HIGH = 0.35, 0.65
MAX_FRAGMENT_INK = 0.5
MAX_PLACEMENT_TRIES = 20


@lru_cache(maxsize=1)
def load_source_digits() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits: ``(images [1797, 8, 8] in [0, 1], labels [1797])``,
    loaded once and read-only."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images, labels = (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def glyph_alpha(digit: np.ndarray, height: int, width: int) -> np.ndarray:
    """Soft alpha ``[height, width]`` in [0, 1] of an ``[h, w]`` digit in [0, 1]: the digit
    with a one-pixel blank border, upsampled bicubically and passed through the ramp
    ``ALPHA_LOW .. ALPHA_HIGH``."""
    padded = np.pad(np.asarray(digit, np.float32), 1)
    glyph = np.asarray(Image.fromarray(padded, mode='F').resize((width, height), Image.BICUBIC))
    return np.clip((glyph - ALPHA_LOW) / (ALPHA_HIGH - ALPHA_LOW), 0.0, 1.0)


def split_sources(labels: np.ndarray, fractions: Sequence[float], seed: int) -> Dict[str, list]:
    """Disjoint source digits per split, stratified by class: ``{split: [indices of class
    0, ..., indices of class 9]}``, each list in a seeded random order (the use order)."""
    rng = np.random.default_rng(seed)
    sources = {split: [] for split in SPLITS}
    for label in range(len(CLASSES)):
        members = rng.permutation(np.flatnonzero(labels == label))
        bounds = np.cumsum([0] + [int(round(f * len(members))) for f in fractions])
        bounds[-1] = len(members)
        for i, split in enumerate(SPLITS):
            sources[split].append(members[bounds[i]:bounds[i + 1]].tolist())
    return sources


class NaturalClutterGenerator:
    """Deterministic generator of the natural-clutter digit set (see the module docstring).

    Args:
        image_size (int): side of the square images (224: a 14x14 grid at stride 16; 112:
            14x14 at stride 8).
        digit_size (tuple[float, float]): range of the digit's box side as a fraction of
            ``image_size``.
        contrast (tuple[float, float]): range of the ink's luminance distance (0..255) from
            the mean of the photo under the digit.
        num_fragments (tuple[int, int]): inclusive range of digit fragments per image.
        num_strokes (tuple[int, int]): inclusive range of pen strokes per image.
        split_fractions (tuple[float, float, float]): train / val / test share of the 1797
            source digits.
        photos (sequence[str]): background photographs, from ``NATURAL_PHOTOS``.
        seed (int): the source split and every image are functions of the arguments and it.
    """

    def __init__(self, image_size: int = 224, digit_size=(0.3, 0.55), contrast=(60.0, 150.0),
                 num_fragments=(2, 5), num_strokes=(2, 5), split_fractions=(0.7, 0.15, 0.15),
                 photos: Sequence[str] = NATURAL_PHOTOS, seed: int = 0):
        if image_size < 32:
            raise ValueError(f'image_size must be >= 32, got image_size={image_size}')
        if not 8 / image_size <= digit_size[0] <= digit_size[1] <= 0.8:
            raise ValueError(f'digit_size must be (min, max) with {8 / image_size:.3f} '
                             f'<= min <= max <= 0.8, got digit_size={tuple(digit_size)}')
        if not 0 < contrast[0] <= contrast[1] <= 255:
            raise ValueError(f'contrast must be (min, max) in (0, 255], got {tuple(contrast)}')
        for name, value in (('num_fragments', num_fragments), ('num_strokes', num_strokes)):
            if not 0 <= value[0] <= value[1]:
                raise ValueError(f'{name} must be (min, max) with 0 <= min <= max, got '
                                 f'{name}={tuple(value)}')
        if len(split_fractions) != 3 or min(split_fractions) <= 0 \
                or abs(sum(split_fractions) - 1) > 1e-6:
            raise ValueError(f'split_fractions must be three positive shares summing to 1, '
                             f'got split_fractions={tuple(split_fractions)}')
        if not photos:
            raise ValueError('photos must name at least one bundled photograph')
        self.image_size = int(image_size)
        self.digit_size = tuple(float(v) for v in digit_size)
        self.contrast = tuple(float(v) for v in contrast)
        self.num_fragments = tuple(int(v) for v in num_fragments)
        self.num_strokes = tuple(int(v) for v in num_strokes)
        self.split_fractions = tuple(float(v) for v in split_fractions)
        self.seed = int(seed)
        self.photos = tuple(photos)
        self.backgrounds = [NaturalBackgroundSampler(photos=(name, )) for name in self.photos]
        self.digits, self.labels = load_source_digits()
        self.sources = split_sources(self.labels, self.split_fractions, self.seed)

    def settings(self) -> dict:
        """The arguments, as written to ``meta/generation.json``."""
        return dict(image_size=self.image_size, digit_size=self.digit_size,
                    contrast=self.contrast, num_fragments=self.num_fragments,
                    num_strokes=self.num_strokes, split_fractions=self.split_fractions,
                    photos=self.photos, seed=self.seed,
                    alpha_ramp=(ALPHA_LOW, ALPHA_HIGH), max_fragment_ink=MAX_FRAGMENT_INK)

    def sample(self, split: str, index: int) -> dict:
        """Render image ``index`` of ``split``.

        Returns a dict with ``image`` (uint8 RGB [S, S, 3]), ``background`` (the photo crop
        before compositing, uint8 [S, S, 3]), ``mask`` (bool [S, S], the digit's pixels),
        ``label`` and ``record`` (JSON-ready: source digit, boxes, ink, distractors).
        """
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got split={split!r}')
        by_class = self.sources[split][index % len(CLASSES)]
        source = by_class[(index // len(CLASSES)) % len(by_class)]
        pool = [digit for members in self.sources[split] for digit in members]
        rng = np.random.default_rng([self.seed, SPLITS.index(split), index])
        size = self.image_size
        photo = int(rng.integers(len(self.photos)))
        background = self.backgrounds[photo].sample(rng, size, size)
        image = background.astype(np.float64)

        side = rng.uniform(*self.digit_size) * size
        glyph_h = int(round(side))
        glyph_w = int(round(min(side * rng.uniform(0.8, 1.2), size)))
        top, left = int(rng.integers(size - glyph_h + 1)), int(rng.integers(size - glyph_w + 1))
        alpha = np.zeros((size, size))
        alpha[top:top + glyph_h, left:left + glyph_w] = glyph_alpha(
            self.digits[source], glyph_h, glyph_w)
        ink = self._ink(rng, image[top:top + glyph_h, left:left + glyph_w])

        margin = int(round(0.04 * size))
        keep_out = np.zeros((size, size), dtype=bool)
        keep_out[max(top - margin, 0):top + glyph_h + margin,
                 max(left - margin, 0):left + glyph_w + margin] = True
        distractors = []
        cell = side / 10  # the glyph box holds the 8x8 digit and a one-cell border
        for _ in range(int(rng.integers(self.num_fragments[0], self.num_fragments[1] + 1))):
            distractors.append(self._fragment(rng, pool, cell, keep_out))
        for _ in range(int(rng.integers(self.num_strokes[0], self.num_strokes[1] + 1))):
            distractors.append(self._stroke(rng, cell, keep_out))
        for distractor in distractors:
            if distractor is None:
                continue
            layer = distractor.pop('alpha')
            y0, x0, y1, x1 = _bounds(layer > 0)
            own = ink if rng.random() < 0.5 else self._ink(rng, image[y0:y1, x0:x1])
            distractor['ink'] = [round(float(v), 2) for v in own]
            _composite(image, layer, own)
        _composite(image, alpha, ink)

        mask = alpha >= 0.5
        y0, x0, y1, x1 = _bounds(mask)
        record = dict(
            label=int(self.labels[source]), source=int(source), photo=self.photos[photo],
            glyph_box=[left, top, glyph_w, glyph_h], box=[x0, y0, x1 - x0, y1 - y0],
            ink=[round(float(v), 2) for v in ink],
            distractors=[d for d in distractors if d is not None])
        return dict(image=np.clip(np.rint(image), 0, 255).astype(np.uint8),
                    background=background, mask=mask, label=record['label'], record=record)

    def write(self, out_dir: str, num_train: int = 5000, num_val: int = 1000,
              num_test: int = 2000) -> dict:
        """Write the three splits under ``out_dir``; returns ``{split: number of images}``."""
        counts = dict(train=num_train, val=num_val, test=num_test)
        for split, count in counts.items():
            if count < 0:
                raise ValueError(f'num_{split} must be >= 0, got {count}')
        os.makedirs(osp.join(out_dir, 'meta'), exist_ok=True)
        images = {}
        for split, count in counts.items():
            lines, records = [], []
            for index in range(count):
                sample = self.sample(split, index)
                rel_path = f'{CLASSES[sample["label"]]}/{index:06d}.png'
                for folder, array in ((osp.join(out_dir, split), sample['image']),
                                      (osp.join(out_dir, 'masks', split),
                                       sample['mask'].astype(np.uint8) * 255)):
                    os.makedirs(osp.join(folder, CLASSES[sample['label']]), exist_ok=True)
                    Image.fromarray(array).save(osp.join(folder, rel_path))
                lines.append(f'{rel_path} {sample["label"]}\n')
                records.append(dict(file=rel_path, mask=f'masks/{split}/{rel_path}',
                                    **sample['record']))
            with open(osp.join(out_dir, 'meta', f'{split}.txt'), 'w') as f:
                f.writelines(lines)
            images[split] = records
        with open(osp.join(out_dir, 'meta', 'generation.json'), 'w') as f:
            json.dump(dict(generator=type(self).__name__, settings=self.settings(),
                           classes=CLASSES, sources=self.sources, images=images), f)
        return counts

    def _ink(self, rng: np.random.Generator, under: np.ndarray) -> np.ndarray:
        """An RGB ink at a random contrast and polarity from the mean of the pixels
        ``under`` it, with a random hue."""
        base = float(under.mean()) if under.size else 127.5
        contrast = rng.uniform(*self.contrast)
        polarity = 1 if rng.random() < 0.5 else -1
        if not 0 <= base + polarity * contrast <= 255:
            polarity = -polarity
        luminance = float(np.clip(base + polarity * contrast, 0, 255))
        chroma = rng.normal(size=3)
        chroma -= chroma.mean()
        chroma *= rng.uniform(0, 70) / (np.linalg.norm(chroma) + 1e-12)
        return np.clip(luminance + chroma, 0, 255)

    def _fragment(self, rng, pool, cell, keep_out):
        """A crop of at most ``MAX_FRAGMENT_INK`` of another source digit's ink, placed
        outside ``keep_out``; ``None`` when no place was found."""
        size = self.image_size
        for _ in range(MAX_PLACEMENT_TRIES):
            source = int(pool[rng.integers(len(pool))])
            digit = self.digits[source]
            rows, cols = int(rng.integers(3, 6)), int(rng.integers(3, 6))
            row0, col0 = int(rng.integers(0, 9 - rows)), int(rng.integers(0, 9 - cols))
            piece = digit[row0:row0 + rows, col0:col0 + cols]
            ink_fraction = float(piece.sum() / max(digit.sum(), 1e-12))
            if not 0.15 <= ink_fraction <= MAX_FRAGMENT_INK:
                continue
            scale = cell * rng.uniform(0.7, 1.3)
            height = min(max(int(round((rows + 2) * scale)), 4), size)
            width = min(max(int(round((cols + 2) * scale)), 4), size)
            top, left = int(rng.integers(size - height + 1)), int(rng.integers(size - width + 1))
            layer = np.zeros((size, size))
            layer[top:top + height, left:left + width] = glyph_alpha(piece, height, width)
            if (layer[keep_out] > 0).any() or not (layer > 0).any():
                continue
            return dict(kind='fragment', source=source, crop=[row0, col0, rows, cols],
                        ink_fraction=round(ink_fraction, 4), box=[left, top, width, height],
                        alpha=layer)
        return None

    def _stroke(self, rng, cell, keep_out):
        """A 2-3 segment pen stroke about as wide as the digit's, outside ``keep_out``."""
        size = self.image_size
        for _ in range(MAX_PLACEMENT_TRIES):
            points = [tuple(rng.uniform(0, size, 2))]
            for _ in range(int(rng.integers(2, 4))):
                step = rng.uniform(1.0, 3.0) * cell
                angle = rng.uniform(0, 2 * np.pi)
                points.append((points[-1][0] + step * np.cos(angle),
                               points[-1][1] + step * np.sin(angle)))
            width = max(1, int(round(cell * rng.uniform(0.6, 1.4))))
            canvas = Image.new('L', (size, size))
            ImageDraw.Draw(canvas).line(points, fill=255, width=width, joint='curve')
            canvas = canvas.filter(ImageFilter.GaussianBlur(max(0.5, width / 4)))
            layer = np.asarray(canvas, dtype=np.float64) / 255.0
            if (layer[keep_out] > 0).any() or not (layer > 0).any():
                continue
            return dict(kind='stroke', points=[[round(float(v), 2) for v in p] for p in points],
                        width=width, alpha=layer)
        return None


def _composite(image: np.ndarray, alpha: np.ndarray, ink: np.ndarray) -> None:
    """Blend ``ink`` into the float ``image`` in place through ``alpha``."""
    image *= 1 - alpha[..., None]
    image += alpha[..., None] * ink[None, None]


def _bounds(mask: np.ndarray) -> Tuple[int, int, int, int]:
    """``(y0, x0, y1, x1)`` of the True pixels (half-open)."""
    rows, cols = np.nonzero(mask)
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1
