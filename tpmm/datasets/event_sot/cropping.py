"""OSTrack / SDTrack-style square crops around a target box, and box mapping.

A crop of ``factor`` around box ``(x, y, w, h)`` is the square of side
``ceil(sqrt(w * h) * factor)`` centred on the box centre, resized to ``out_size``
(template: factor 2, search region: factor 4). Pixels outside the frame are zero (no
events). Boxes are ``x, y, w, h`` in frame pixels; in a crop they are normalised
``x1, y1, x2, y2`` or ``cx, cy, w, h`` in ``[0, 1]`` of the crop side.
"""
import math
from typing import Sequence, Tuple

import torch
from torchvision.ops import roi_align


def crop_side(box: Sequence[float], factor: float) -> float:
    """Side of the square crop of ``factor`` around ``box`` (``x, y, w, h``), >= 1."""
    return max(1.0, float(math.ceil(math.sqrt(max(box[2], 1e-6) * max(box[3], 1e-6))
                                    * factor)))


def crop_square(frames: torch.Tensor, center: Tuple[float, float], side: float,
                out_size: int) -> torch.Tensor:
    """``[T, C, H, W]`` -> ``[T, C, out_size, out_size]``: the square of ``side`` pixels
    centred at ``center`` ``(cx, cy)``, bilinearly resampled (zeros outside)."""
    cx, cy = float(center[0]), float(center[1])
    roi = torch.tensor([[0, cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]],
                       dtype=frames.dtype, device=frames.device)
    t, c, h, w = frames.shape
    out = roi_align(frames.reshape(1, t * c, h, w), roi, out_size, spatial_scale=1.0,
                    sampling_ratio=2, aligned=True)
    return out.reshape(t, c, out_size, out_size)


def box_in_crop(box: Sequence[float], center: Tuple[float, float], side: float) -> torch.Tensor:
    """Frame box ``x, y, w, h`` -> normalised ``x1, y1, x2, y2`` in the crop."""
    x0, y0 = center[0] - side / 2, center[1] - side / 2
    x, y, w, h = [float(v) for v in box]
    return torch.tensor([(x - x0) / side, (y - y0) / side, (x + w - x0) / side,
                         (y + h - y0) / side], dtype=torch.float32)


def box_from_crop(box_cxcywh: Sequence[float], center: Tuple[float, float],
                  side: float) -> Tuple[float, float, float, float]:
    """Normalised crop box ``cx, cy, w, h`` -> frame box ``x, y, w, h``."""
    cx, cy, w, h = [float(v) * side for v in box_cxcywh]
    cx += center[0] - side / 2
    cy += center[1] - side / 2
    return cx - w / 2, cy - h / 2, w, h


def clip_box(box: Sequence[float], height: int, width: int,
             min_size: float = 4.0) -> Tuple[float, float, float, float]:
    """Clip ``x, y, w, h`` to the frame, keeping at least ``min_size`` per side."""
    x, y, w, h = [float(v) for v in box]
    x1 = max(0.0, min(max(x, 0.0), width - min_size))
    y1 = max(0.0, min(max(y, 0.0), height - min_size))
    x2, y2 = max(min(x + w, float(width)), x1 + min_size), max(min(y + h, float(height)),
                                                               y1 + min_size)
    return x1, y1, x2 - x1, y2 - y1
