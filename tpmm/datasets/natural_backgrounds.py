"""Natural-photo backgrounds for the offline demo and benchmark data.

Crops of the photographs bundled with scikit-image (no download), augmented with a
random scale, horizontal flip, rotation by a multiple of 90 degrees and a colour jitter
(brightness, contrast, saturation). Grey photographs are turned into RGB.
"""
from typing import Sequence, Tuple

import numpy as np
from PIL import Image
from skimage import data as skimage_data

#: ``skimage.data`` photographs that ship with scikit-image (none needs a download).
NATURAL_PHOTOS = ('astronaut', 'coffee', 'chelsea', 'rocket', 'camera', 'coins', 'moon',
                  'page', 'text', 'brick', 'grass', 'gravel', 'hubble_deep_field',
                  'immunohistochemistry', 'retina', 'cat', 'horse', 'clock')


def load_photo(name: str) -> np.ndarray:
    """The bundled photograph ``name`` as ``[H, W, 3]`` uint8 RGB."""
    if name not in NATURAL_PHOTOS:
        raise ValueError(f'photo {name!r} is not one of the bundled photographs '
                         f'{NATURAL_PHOTOS}')
    image = np.asarray(getattr(skimage_data, name)())
    if image.dtype != np.uint8:
        image = (255 * (image.astype(np.float64) / max(float(image.max()), 1e-12))).astype(
            np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    return np.ascontiguousarray(image[..., :3])


class NaturalBackgroundSampler:
    """Random augmented crops of bundled photographs.

    Args:
        photos (Sequence[str]): names from :data:`NATURAL_PHOTOS` to draw from.
        scale (tuple): range of the crop side as a fraction of the photo's shorter side.
        jitter (float): strength of the brightness / contrast / saturation jitter; each
            factor is drawn uniformly from ``[1 - jitter, 1 + jitter]``.
    """

    def __init__(self, photos: Sequence[str] = NATURAL_PHOTOS,
                 scale: Tuple[float, float] = (0.3, 1.0), jitter: float = 0.3):
        if not photos:
            raise ValueError('photos must name at least one bundled photograph')
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f'scale must satisfy 0 < min <= max <= 1, got {scale}')
        if not 0 <= jitter < 1:
            raise ValueError(f'jitter must be in [0, 1), got {jitter}')
        self.photos = tuple(photos)
        self.images = [load_photo(name) for name in self.photos]
        self.scale = scale
        self.jitter = jitter

    def sample(self, rng: np.random.Generator, height: int, width: int) -> np.ndarray:
        """One background ``[height, width, 3]`` uint8, drawn with ``rng``."""
        photo = self.images[rng.integers(len(self.images))]
        ph, pw = photo.shape[:2]
        side = max(8, int(min(ph, pw) * rng.uniform(*self.scale)))
        crop_h = min(ph, side)
        crop_w = min(pw, max(8, int(round(side * width / height))))
        top = rng.integers(ph - crop_h + 1)
        left = rng.integers(pw - crop_w + 1)
        crop = photo[top:top + crop_h, left:left + crop_w]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        quarter_turns = int(rng.integers(4))
        crop = np.rot90(crop, quarter_turns)
        image = np.asarray(Image.fromarray(np.ascontiguousarray(crop)).resize(
            (width, height), Image.BILINEAR), dtype=np.float64)
        return self._jitter_colour(rng, image)

    def _jitter_colour(self, rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
        """Brightness, contrast and saturation jitter of ``[H, W, 3]`` float pixels."""
        low, high = 1 - self.jitter, 1 + self.jitter
        image = image * rng.uniform(low, high)
        mean = image.mean()
        image = mean + (image - mean) * rng.uniform(low, high)
        grey = image.mean(axis=-1, keepdims=True)
        image = grey + (image - grey) * rng.uniform(low, high)
        return np.clip(np.rint(image), 0, 255).astype(np.uint8)
