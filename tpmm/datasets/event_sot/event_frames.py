"""Event lists to frames accumulated per time bin (the representation SDTrack trains on).

An event list is ``[N, 4]`` with columns ``(t, x, y, p)``: time in microseconds, pixel
column and row, polarity ``1`` (ON, brightness up) or ``0`` (OFF). Events of a window
``[t_start, t_end)`` are split into ``num_bins`` equal time bins and counted per pixel and
polarity. A bin is stored as an RGB image (ON counts in red, OFF counts in blue, green
0), each count scaled by ``255 / max_count`` and clipped, which is the image a
pre-rendered event stack holds (``inter<T>_stack_*/<frame>_<bin>.png``).
"""
import numpy as np


def events_to_frames(events: np.ndarray, t_start: float, t_end: float, num_bins: int,
                     height: int, width: int) -> np.ndarray:
    """Count events per time bin, polarity and pixel.

    Args:
        events: ``[N, 4]`` ``(t, x, y, p)``; events outside ``[t_start, t_end)`` or
            outside the ``height x width`` sensor are ignored.
        t_start, t_end: the window in microseconds, ``t_end > t_start``.
        num_bins: equal time bins of the window.

    Returns:
        ``[num_bins, 2, height, width]`` float32 counts; channel 0 ON, channel 1 OFF.
    """
    if t_end <= t_start:
        raise ValueError(f'event window must have t_end > t_start, got [{t_start}, {t_end})')
    events = np.asarray(events, dtype=np.float64).reshape(-1, 4)
    t, x, y, p = events.T
    x = x.astype(np.int64)
    y = y.astype(np.int64)
    inside = ((t >= t_start) & (t < t_end) & (x >= 0) & (x < width) & (y >= 0)
              & (y < height))
    bins = np.floor((t[inside] - t_start) / (t_end - t_start) * num_bins).astype(np.int64)
    bins = np.clip(bins, 0, num_bins - 1)
    channel = np.where(p[inside] > 0, 0, 1)
    frames = np.zeros((num_bins, 2, height, width), dtype=np.float32)
    np.add.at(frames, (bins, channel, y[inside], x[inside]), 1.0)
    return frames


def frames_to_images(frames: np.ndarray, max_count: float = 4.0) -> np.ndarray:
    """``[num_bins, 2, H, W]`` counts -> ``[num_bins, H, W, 3]`` uint8 images (ON red,
    OFF blue, ``round(255 * min(count, max_count) / max_count)``)."""
    scaled = np.rint(255.0 * np.minimum(frames, max_count) / max_count).astype(np.uint8)
    images = np.zeros(frames.shape[:1] + frames.shape[2:] + (3, ), dtype=np.uint8)
    images[..., 0] = scaled[:, 0]
    images[..., 2] = scaled[:, 1]
    return images
