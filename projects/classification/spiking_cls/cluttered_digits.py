"""Cluttered digits: scikit-learn's bundled 8x8 handwritten digits on a large canvas.

Each sample places one digit of ``sklearn.datasets.load_digits`` (1797 images, 10
classes, shipped with scikit-learn: no download), upsampled by a random factor, at a
random position of a ``canvas_size x canvas_size`` canvas with clutter: short random
strokes, crops of other digits and pixel noise. Most of the canvas, and so most of a
backbone's tokens, is background, which is what token pruning should find.

Everything is a function of ``seed``: the split of the 1797 digits into train / val /
test (70 / 15 / 15 %), and each sample's placement, scale and clutter (a generator
seeded by ``(seed, split, index)``). ``projects/classification/make_digits.py`` writes
the splits as files that mmpretrain's stock ``CustomDataset`` reads.
"""
from typing import Dict, Optional, Sequence

import numpy as np

SPLITS = ('train', 'val', 'test')
SPLIT_FRACTIONS = (0.70, 0.15, 0.15)
NUM_CLASSES = 10
#: class names (the digit), as the configs' datasets list them
CLASSES = tuple(str(i) for i in range(NUM_CLASSES))


def load_digit_images():
    """``(images [1797, 8, 8] in [0, 1], labels [1797])`` from scikit-learn."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)


def split_indices(num: int, split: str, seed: int) -> np.ndarray:
    """Indices of ``split`` in a seeded permutation of ``num`` samples."""
    if split not in SPLITS:
        raise ValueError(f'split must be one of {SPLITS}, got split={split!r}')
    order = np.random.default_rng(seed).permutation(num)
    bounds = np.cumsum([0] + [round(f * num) for f in SPLIT_FRACTIONS[:-1]] + [num])
    bounds[-1] = num
    i = SPLITS.index(split)
    return np.sort(order[bounds[i]:bounds[i + 1]])


def upsample(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a square ``[h, h]`` image to ``[size, size]``."""
    from skimage.transform import resize
    return resize(image, (size, size), order=1, anti_aliasing=False).astype(np.float32)


def draw_stroke(canvas: np.ndarray, rng: np.random.Generator, length: int,
                intensity: float) -> None:
    """A straight 1-2 pixel wide stroke of ``length`` pixels at a random place."""
    size = canvas.shape[0]
    y0, x0 = rng.uniform(0, size, 2)
    angle = rng.uniform(0, np.pi)
    width = int(rng.integers(1, 3))
    for t in np.linspace(0, length, 2 * length):
        y, x = int(y0 + t * np.sin(angle)), int(x0 + t * np.cos(angle))
        if 0 <= y < size and 0 <= x < size:
            region = canvas[y:y + width, x:x + width]
            np.maximum(region, intensity, out=region)


def make_canvas(digit: np.ndarray, rng: np.random.Generator, canvas_size: int,
                scale_range: Sequence[int], clutter_digits: np.ndarray,
                num_strokes: int, num_fragments: int, noise_std: float) -> Dict[str, np.ndarray]:
    """Place one ``[8, 8]`` digit on a cluttered canvas.

    Returns ``image`` ``[canvas_size, canvas_size]`` in ``[0, 1]`` and ``mask``, the
    boolean digit footprint (upsampled digit > 0.25) on the canvas.
    """
    canvas = np.zeros((canvas_size, canvas_size), dtype=np.float32)
    for _ in range(num_fragments):  # crops of other digits, smaller than the target
        other = clutter_digits[rng.integers(len(clutter_digits))]
        crop = other[rng.integers(0, 4):, rng.integers(0, 4):][:4, :4]
        piece = upsample(crop, int(rng.integers(6, 11)))
        y, x = rng.integers(0, canvas_size - piece.shape[0], 2)
        region = canvas[y:y + piece.shape[0], x:x + piece.shape[1]]
        np.maximum(region, piece * rng.uniform(0.4, 0.9), out=region)
    for _ in range(num_strokes):
        draw_stroke(canvas, rng, int(rng.integers(4, 10)), float(rng.uniform(0.3, 0.8)))
    size = int(rng.integers(scale_range[0], scale_range[1] + 1))
    glyph = upsample(digit, size)
    y, x = rng.integers(0, canvas_size - size + 1, 2)
    region = canvas[y:y + size, x:x + size]
    np.maximum(region, glyph, out=region)
    mask = np.zeros_like(canvas, dtype=bool)
    mask[y:y + size, x:x + size] = glyph > 0.25
    canvas += rng.normal(0, noise_std, canvas.shape).astype(np.float32)
    return dict(image=canvas.clip(0, 1), mask=mask)


class ClutteredDigits:
    """The cluttered-digits samples of one split (see the module docstring).

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        canvas_size (int): side of the square canvas, pixels (>= 32).
        scale_range (tuple[int, int]): range of the digit's upsampled side, pixels.
        placements (int): samples per digit (different placement and clutter).
        num_strokes (int): random strokes per canvas.
        num_fragments (int): crops of other digits per canvas.
        noise_std (float): std of the added Gaussian pixel noise.
        seed (int): seeds the split and every sample.
        num_digits (int, optional): use only the first ``num_digits`` digits of the
            split (quick runs); ``None`` uses all.

    ``sample(i)`` gives ``dict(image=[S, S] float in [0, 1], mask=[S, S] bool, label)``.
    """

    def __init__(self,
                 split: str = 'train',
                 canvas_size: int = 64,
                 scale_range: Sequence[int] = (18, 30),
                 placements: int = 1,
                 num_strokes: int = 4,
                 num_fragments: int = 3,
                 noise_std: float = 0.05,
                 seed: int = 0,
                 num_digits: Optional[int] = None):
        if canvas_size < 32:
            raise ValueError(f'canvas_size must be >= 32, got canvas_size={canvas_size}')
        low, high = scale_range
        if not 8 <= low <= high <= canvas_size:
            raise ValueError(f'scale_range must satisfy 8 <= low <= high <= canvas_size '
                             f'({canvas_size}), got scale_range={tuple(scale_range)}')
        if placements < 1:
            raise ValueError(f'placements must be >= 1, got placements={placements}')
        images, labels = load_digit_images()
        self.split = split
        self.indices = split_indices(len(labels), split, seed)
        if num_digits is not None:
            if not 1 <= num_digits <= len(self.indices):
                raise ValueError(f'num_digits must be in [1, {len(self.indices)}] for the '
                                 f'{split!r} split, got num_digits={num_digits}')
            self.indices = self.indices[:num_digits]
        self.digits, self.labels = images[self.indices], labels[self.indices]
        self.clutter_digits = images  # fragments may come from any digit
        self.canvas_size = canvas_size
        self.scale_range = (int(low), int(high))
        self.placements = int(placements)
        self.num_strokes = num_strokes
        self.num_fragments = num_fragments
        self.noise_std = noise_std
        self.seed = seed

    def __len__(self) -> int:
        return len(self.labels) * self.placements

    def sample(self, idx: int) -> Dict[str, np.ndarray]:
        """``dict(image [S, S], mask [S, S], label)`` of item ``idx`` (numpy)."""
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for {len(self)} samples')
        digit = idx % len(self.labels)
        rng = np.random.default_rng([self.seed, SPLITS.index(self.split), idx])
        out = make_canvas(self.digits[digit], rng, self.canvas_size, self.scale_range,
                          self.clutter_digits, self.num_strokes, self.num_fragments,
                          self.noise_std)
        out['label'] = int(self.labels[digit])
        return out
