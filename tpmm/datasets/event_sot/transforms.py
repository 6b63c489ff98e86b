"""Pipeline transforms of event-based single-object tracking.

Training: ``SampleSOTPair`` -> ``LoadEventFrames`` -> ``CropTemplateSearch`` ->
``PackSOTInputs``. Testing: ``LoadEventFrames`` -> ``PackSOTInputs`` (the tracker crops
the search region around its own previous estimate).
"""
import math
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from tpmm.registry import TRANSFORMS
from .cropping import box_in_crop, crop_side, crop_square
from .sequence_io import load_event_frame


def frames_to_tensor(images: np.ndarray) -> torch.Tensor:
    """``[T, H, W, 3]`` uint8 event images -> ``[T, 3, H, W]`` float in ``[0, 1]``."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    """``[N]`` bool: finite boxes with positive width and height."""
    return np.isfinite(boxes).all(1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


@TRANSFORMS.register_module()
class SampleSOTPair(BaseTransform):
    """Pick a search frame and a template frame at most ``max_gap`` frames apart, both
    with a valid box (numpy's global RNG, seeded by mmengine per worker).

    Adds ``template_index``, ``search_index``, ``template_box``, ``search_box_xywh``.
    """

    def __init__(self, max_gap: int = 100):
        self.max_gap = int(max_gap)

    def transform(self, results: dict) -> dict:
        boxes = results['boxes']
        valid = np.flatnonzero(valid_boxes(boxes))
        if not len(valid):
            raise ValueError(f'sequence {results["seq_name"]} has no valid box')
        search = int(np.random.choice(valid))
        near = valid[np.abs(valid - search) <= self.max_gap]
        template = int(np.random.choice(near))
        results.update(template_index=template, search_index=search,
                       template_box=boxes[template], search_box_xywh=boxes[search])
        return results


@TRANSFORMS.register_module()
class LoadEventFrames(BaseTransform):
    """Load event frames ``[T, 3, H, W]`` (float, ``[0, 1]``) with the item's event
    settings: ``template_frames`` / ``search_frames`` when a pair was sampled, else
    ``frames`` of ``frame_index``."""

    def _load(self, results: dict, index: int) -> torch.Tensor:
        return frames_to_tensor(load_event_frame(
            results['seq_dir'], results['layout'], index, results['num_bins'],
            results['representation'], results['stack_dir'], results['sensor_size'],
            results['max_count']))

    def transform(self, results: dict) -> dict:
        if 'search_index' in results:
            results['template_frames'] = self._load(results, results['template_index'])
            results['search_frames'] = self._load(results, results['search_index'])
        else:
            results['frames'] = self._load(results, results['frame_index'])
        return results


@TRANSFORMS.register_module()
class CropTemplateSearch(BaseTransform):
    """OSTrack-style crops: template of ``template_factor`` around its box, search region
    of ``search_factor`` around a jittered copy of the search box (centre shifted by up
    to ``center_jitter * sqrt(w h) / 2``, size scaled by ``exp(N(0, scale_jitter))``).

    Adds ``template`` ``[T, 3, St, St]``, ``search`` ``[T, 3, Ss, Ss]`` and
    ``search_box`` (normalised ``x1, y1, x2, y2`` of the target in the search crop).
    """

    def __init__(self, template_factor: float = 2.0, template_size: int = 64,
                 search_factor: float = 4.0, search_size: int = 128,
                 center_jitter: float = 3.0, scale_jitter: float = 0.25):
        self.template_factor, self.template_size = template_factor, int(template_size)
        self.search_factor, self.search_size = search_factor, int(search_size)
        self.center_jitter, self.scale_jitter = center_jitter, scale_jitter

    @staticmethod
    def center(box) -> tuple:
        return box[0] + box[2] / 2, box[1] + box[3] / 2

    def jitter(self, box) -> np.ndarray:
        """A jittered ``x, y, w, h`` copy of ``box``."""
        w, h = np.asarray(box[2:4]) * math.exp(np.random.randn() * self.scale_jitter)
        cx, cy = self.center(box)
        offset = math.sqrt(w * h) * self.center_jitter * (np.random.rand(2) - 0.5)
        cx, cy = cx + offset[0], cy + offset[1]
        return np.array([cx - w / 2, cy - h / 2, w, h])

    def transform(self, results: dict) -> dict:
        tbox = results['template_box']
        side = crop_side(tbox, self.template_factor)
        results['template'] = crop_square(results['template_frames'], self.center(tbox),
                                          side, self.template_size)
        sbox = results['search_box_xywh']
        anchor = self.jitter(sbox)
        side = crop_side(anchor, self.search_factor)
        center = self.center(anchor)
        results['search'] = crop_square(results['search_frames'], center, side,
                                        self.search_size)
        results['search_box'] = box_in_crop(sbox, center, side).clamp(0, 1)
        return results


@TRANSFORMS.register_module()
class PackSOTInputs(BaseTransform):
    """Pack for the tracker and ``default_collate``: training items give
    ``inputs=dict(template, search)``, ``data_samples=dict(search_box)``; test items
    ``inputs=dict(frames)``, ``data_samples=dict(seq_name, frame_index, num_frames,
    gt_box, init_box)`` (boxes ``x, y, w, h`` float64 arrays)."""

    def transform(self, results: dict) -> Optional[dict]:
        if 'template' in results:
            return dict(inputs=dict(template=results['template'], search=results['search']),
                        data_samples=dict(search_box=results['search_box']))
        return dict(inputs=dict(frames=results['frames']),
                    data_samples=dict(seq_name=results['seq_name'],
                                      frame_index=results['frame_index'],
                                      num_frames=results['num_frames'],
                                      gt_box=torch.as_tensor(results['gt_box']),
                                      init_box=torch.as_tensor(results['init_box'])))
