"""Natural-photo backgrounds: real bundled pixels, the requested size, seeded draws,
augmentation that actually varies the crops, and clear errors."""
import numpy as np
import pytest
from skimage import data as skimage_data

from tpmm.datasets.natural_backgrounds import (NATURAL_PHOTOS, NaturalBackgroundSampler,
                                               load_photo)


def test_photos_load_as_rgb_uint8():
    for name in NATURAL_PHOTOS:
        photo = load_photo(name)
        assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[-1] == 3
    grey = skimage_data.camera()
    np.testing.assert_array_equal(load_photo('camera')[..., 1], grey)


def test_full_crop_without_jitter_is_the_photo_resized():
    sampler = NaturalBackgroundSampler(photos=('camera', ), scale=(1.0, 1.0), jitter=0.0)
    rng = np.random.default_rng(0)
    image = sampler.sample(rng, 512, 512)
    grey = skimage_data.camera()
    # the whole photo, flipped and / or turned by a multiple of 90 degrees
    candidates = [np.rot90(g, k) for g in (grey, grey[:, ::-1]) for k in range(4)]
    assert any(np.array_equal(image[..., 0], c) for c in candidates)


def test_seeded_and_varied():
    sampler = NaturalBackgroundSampler()
    first = [sampler.sample(np.random.default_rng(7), 64, 96) for _ in range(2)]
    np.testing.assert_array_equal(first[0], first[1])
    rng = np.random.default_rng(0)
    draws = [sampler.sample(rng, 64, 96) for _ in range(8)]
    assert all(d.shape == (64, 96, 3) and d.dtype == np.uint8 for d in draws)
    assert len({d.tobytes() for d in draws}) == 8
    # textured, not flat: real photographs have local variation
    assert np.mean([d.std() for d in draws]) > 10


def test_bad_arguments_name_the_key():
    with pytest.raises(ValueError, match='bundled'):
        load_photo('lena')
    with pytest.raises(ValueError, match='scale'):
        NaturalBackgroundSampler(scale=(0.5, 1.5))
    with pytest.raises(ValueError, match='jitter'):
        NaturalBackgroundSampler(jitter=1.5)
