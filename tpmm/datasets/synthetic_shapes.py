"""Shape vocabulary and scene renderer shared by the synthetic COCO, ADE20K and MOT sets.

A scene is a background on which filled shapes are painted in order, so a later shape
occludes an earlier one. The background (never annotated) is either ``'natural'``, a
random augmented crop of a photograph bundled with scikit-image
(:class:`~tpmm.datasets.natural_backgrounds.NaturalBackgroundSampler`), or ``'clutter'``,
a synthetic texture of neutral, low-saturation colours with strokes and blobs. Each class
has a typical colour; every instance gets a colour jitter, a linear shading gradient and
per-pixel noise.

Geometry is exact (shapely polygons, pixel coordinates with (0, 0) the top-left image
corner, COCO convention); a pixel ``(row, col)`` belongs to a polygon when its centre
``(col + 0.5, row + 0.5)`` lies inside it.
"""
from functools import lru_cache

import numpy as np
import shapely
from PIL import Image, ImageDraw
from shapely.affinity import rotate, translate
from shapely.geometry import Polygon, box

from .natural_backgrounds import NaturalBackgroundSampler

BACKGROUNDS = ('natural', 'clutter')
SHAPE_CLASSES = ('circle', 'square', 'triangle', 'ellipse', 'star')

# Class-typical RGB colours.
SHAPE_COLORS = {
    'circle': (215, 50, 45),
    'square': (45, 170, 70),
    'triangle': (40, 90, 215),
    'ellipse': (235, 195, 35),
    'star': (175, 60, 200),
}

_ROUND_VERTICES = 40


def check_shape_classes(classes):
    """Return ``classes`` as a tuple after checking each is in :data:`SHAPE_CLASSES`."""
    classes = tuple(classes)
    if not classes:
        raise ValueError('classes must name at least one shape')
    unknown = [name for name in classes if name not in SHAPE_CLASSES]
    if unknown:
        raise ValueError(f'classes: unknown shape(s) {unknown}; choose from {SHAPE_CLASSES}')
    if len(set(classes)) != len(classes):
        raise ValueError(f'classes: duplicate names in {classes}')
    return classes


def check_background(background):
    """Return ``background`` after checking it is one of :data:`BACKGROUNDS`."""
    if background not in BACKGROUNDS:
        raise ValueError(f'background must be one of {BACKGROUNDS}, got {background!r}')
    return background


def shape_polygon(kind, cx, cy, size, angle=0.0, aspect=0.6):
    """Polygon of a shape of class ``kind`` centred at ``(cx, cy)``.

    ``size`` is the diameter of the circumscribed circle in pixels, ``angle`` a rotation
    in degrees, ``aspect`` the minor/major axis ratio of an ellipse.
    """
    radius = size / 2.0
    if kind in ('circle', 'ellipse'):
        t = np.linspace(0.0, 2 * np.pi, _ROUND_VERTICES, endpoint=False)
        minor = radius * (aspect if kind == 'ellipse' else 1.0)
        points = np.stack([radius * np.cos(t), minor * np.sin(t)], axis=1)
    elif kind == 'square':
        t = np.pi / 4 + np.arange(4) * np.pi / 2
        points = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
    elif kind == 'triangle':
        t = -np.pi / 2 + np.arange(3) * 2 * np.pi / 3
        points = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
    elif kind == 'star':
        t = -np.pi / 2 + np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, radius, 0.45 * radius)
        points = np.stack([radii * np.cos(t), radii * np.sin(t)], axis=1)
    else:
        raise ValueError(f'unknown shape kind {kind!r}; choose from {SHAPE_CLASSES}')
    polygon = rotate(Polygon(points), angle, origin=(0, 0))
    return translate(polygon, cx, cy)


def sample_shape(rng, classes, height, width, size_range, min_inside=0.5):
    """Draw a random shape of one of ``classes`` that lies mostly inside the image.

    ``size_range`` is (min, max) of the shape diameter as a fraction of the image's short
    side. Returns ``(class_index, polygon)`` with the polygon clipped to the image; at
    least ``min_inside`` of the unclipped shape's area is inside.
    """
    image_box = box(0, 0, width, height)
    short_side = min(height, width)
    while True:
        class_index = int(rng.integers(len(classes)))
        polygon = shape_polygon(
            classes[class_index], cx=rng.uniform(0, width), cy=rng.uniform(0, height),
            size=rng.uniform(*size_range) * short_side, angle=rng.uniform(0, 360),
            aspect=rng.uniform(0.45, 0.7))
        clipped = polygon.intersection(image_box)
        if clipped.area >= min_inside * polygon.area:
            return class_index, clipped


def rasterize(geometry, height, width):
    """Bool mask [H, W] of the pixels whose centres lie inside ``geometry``."""
    mask = np.zeros((height, width), dtype=bool)
    if geometry.is_empty:
        return mask
    x0, y0, x1, y1 = geometry.bounds
    col0, row0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
    col1, row1 = min(int(np.ceil(x1)), width), min(int(np.ceil(y1)), height)
    if col1 <= col0 or row1 <= row0:
        return mask
    xs, ys = np.meshgrid(np.arange(col0, col1) + 0.5, np.arange(row0, row1) + 0.5)
    shapely.prepare(geometry)
    mask[row0:row1, col0:col1] = shapely.contains_xy(geometry, xs, ys)
    return mask


def scene_background(rng, height, width, background='natural'):
    """A background of kind ``background`` (see :data:`BACKGROUNDS`).

    Returns ``(image, clutter_mask)``: float32 RGB [H, W, 3] in 0..255 and a bool [H, W]
    mask of the synthetic clutter pixels (none on a natural background).
    """
    if check_background(background) == 'clutter':
        return textured_background(rng, height, width)
    image = _natural_sampler().sample(rng, height, width).astype(np.float32)
    return image, np.zeros((height, width), dtype=bool)


@lru_cache(maxsize=1)
def _natural_sampler():
    return NaturalBackgroundSampler()


def textured_background(rng, height, width, num_clutter=(3, 8)):
    """A neutral textured background with unannotated clutter strokes and blobs.

    Returns ``(image, clutter_mask)``: float32 RGB [H, W, 3] in 0..255 and a bool
    [H, W] mask of the clutter pixels.
    """
    grey = rng.uniform(60, 190)
    tint = rng.normal(0, 10, size=3)
    # two octaves of smooth luminance texture plus a faint colour drift and grain
    luminance = (_smooth_noise(rng, (6, 6), 25, height, width)
                 + _smooth_noise(rng, (16, 16), 10, height, width))
    drift = np.stack([_smooth_noise(rng, (4, 4), 6, height, width) for _ in range(3)], -1)
    image = grey + tint + luminance[..., None] + drift + rng.normal(0, 5, (height, width, 3))

    clutter = Image.new('RGB', (width, height))
    clutter_mask = Image.new('L', (width, height))
    draw, draw_mask = ImageDraw.Draw(clutter), ImageDraw.Draw(clutter_mask)
    for _ in range(int(rng.integers(num_clutter[0], num_clutter[1] + 1))):
        level = rng.uniform(30, 225)
        color = tuple(int(v) for v in np.clip(level + rng.normal(0, 12, size=3), 0, 255))
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        if rng.random() < 0.5:  # a stroke
            end = (x + rng.uniform(-0.4, 0.4) * width, y + rng.uniform(-0.4, 0.4) * height)
            line_width = int(rng.integers(1, 3))
            draw.line([(x, y), end], fill=color, width=line_width)
            draw_mask.line([(x, y), end], fill=255, width=line_width)
        else:  # a small blob
            rx, ry = rng.uniform(2, 6), rng.uniform(2, 6)
            draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=color)
            draw_mask.ellipse([x - rx, y - ry, x + rx, y + ry], fill=255)
    clutter_mask = np.asarray(clutter_mask) > 0
    image[clutter_mask] = np.asarray(clutter, dtype=np.float32)[clutter_mask]
    return image.astype(np.float32), clutter_mask


def _smooth_noise(rng, grid, std, height, width):
    """Gaussian noise on a coarse ``grid`` upsampled bicubically to [H, W] (float32)."""
    coarse = Image.fromarray(rng.normal(0, std, size=grid).astype(np.float32))
    return np.asarray(coarse.resize((width, height), Image.BICUBIC))


def paint(image, mask, color, rng):
    """Fill ``mask`` of the float RGB ``image`` in place with ``color`` plus a colour
    jitter, a linear shading gradient and per-pixel noise."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction) + 1e-12
    projection = (cols - cols.mean()) * direction[0] + (rows - rows.mean()) * direction[1]
    shade = 1.0 + rng.uniform(0.1, 0.25) * projection / max(np.abs(projection).max(), 1.0)
    base = np.asarray(color, dtype=np.float32) + rng.uniform(-20, 20, size=3)
    image[rows, cols] = base[None] * shade[:, None] + rng.normal(0, 8, size=(rows.size, 3))


def render_scene(rng, height, width, shapes, background='natural'):
    """Paint ``shapes`` (a list of ``(kind, polygon)``, back to front) on a background of
    kind ``background``.

    Returns ``(image, masks, clutter_mask)``: uint8 RGB [H, W, 3], one bool [H, W] mask
    per shape (its full extent, before occlusion) and the clutter mask.
    """
    image, clutter_mask = scene_background(rng, height, width, background)
    masks = []
    for kind, polygon in shapes:
        mask = rasterize(polygon, height, width)
        paint(image, mask, SHAPE_COLORS[kind], rng)
        masks.append(mask)
    return to_uint8(image), masks, clutter_mask


def visible_masks(masks):
    """What is left of each full mask after the later (front) masks cover it."""
    visible = []
    covered = None
    for mask in reversed(masks):
        visible.append(mask if covered is None else mask & ~covered)
        covered = mask.copy() if covered is None else covered | mask
    return visible[::-1]


def to_uint8(image):
    """Round and clip a float image to uint8."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def save_jpeg(image, path, quality=95):
    """Write an RGB uint8 [H, W, 3] array as a JPEG."""
    Image.fromarray(image).save(path, format='JPEG', quality=quality)
