"""One-pass evaluation (OPE) of single-object tracking: success AUC, precision and
normalised precision, as pytracking / OSTrack / SDTrack compute them.

Per sequence (boxes ``x, y, w, h``): the first frame's prediction is replaced by the
ground truth; frames whose ground truth is invalid (NaN, or width / height <= 0) count
as failures (IoU -1, centre error infinite) and stay in the frame count. Success rate at
threshold ``s``: fraction of frames with IoU ``> s``, for ``s`` in ``0, 0.05, ..., 1``;
AUC: the mean over the 21 thresholds (so a perfect tracker scores 20 / 21 = 95.24 %,
IoU never exceeding 1). Precision: fraction of frames with centre error ``<= 20`` px;
normalised precision: centre error divided by the ground-truth size (per axis) ``<=
0.2``. Scores are averaged over sequences, in percent.
"""
from collections import defaultdict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from tpmm.registry import METRICS

OVERLAP_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PRECISION_PX = 20.0
NORM_PRECISION = 0.2


def box_iou(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU of ``[N, 4]`` ``x, y, w, h`` box pairs -> ``[N]``."""
    tl = np.maximum(pred[:, :2], gt[:, :2])
    br = np.minimum(pred[:, :2] + pred[:, 2:], gt[:, :2] + gt[:, 2:])
    inter = np.clip(br - tl, 0, None).prod(1)
    union = pred[:, 2:].prod(1) + gt[:, 2:].prod(1) - inter
    return inter / np.maximum(union, 1e-12)


def center_error(pred: np.ndarray, gt: np.ndarray, normalized: bool = False) -> np.ndarray:
    """Centre distance of ``[N, 4]`` box pairs (divided per axis by the ground-truth
    width / height when ``normalized``) -> ``[N]``."""
    delta = (pred[:, :2] + pred[:, 2:] / 2) - (gt[:, :2] + gt[:, 2:] / 2)
    if normalized:
        delta = delta / gt[:, 2:]
    return np.sqrt((delta ** 2).sum(1))


def sequence_scores(pred: np.ndarray, gt: np.ndarray) -> Dict[str, np.ndarray]:
    """Curves of one sequence: ``success`` ``[21]`` (per overlap threshold),
    ``precision`` (at 20 px), ``norm_precision`` (at 0.2) and ``mean_iou``."""
    pred = np.asarray(pred, dtype=np.float64).copy()
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 2 or pred.shape[1] != 4:
        raise ValueError(f'predictions {pred.shape} and ground truth {gt.shape} must both '
                         'be [N, 4] x, y, w, h')
    if not np.isfinite(pred).all():
        raise ValueError('predicted boxes contain NaN or inf')
    pred[0] = gt[0]
    valid = np.isfinite(gt).all(1) & (gt[:, 2] > 0) & (gt[:, 3] > 0)
    safe_gt = np.where(valid[:, None], gt, 1.0)
    iou = np.where(valid, box_iou(pred, safe_gt), -1.0)
    err = np.where(valid, center_error(pred, safe_gt), np.inf)
    err_norm = np.where(valid, center_error(pred, safe_gt, normalized=True), np.inf)
    return dict(success=(iou[:, None] > OVERLAP_THRESHOLDS[None]).mean(0),
                precision=np.mean(err <= PRECISION_PX),
                norm_precision=np.mean(err_norm <= NORM_PRECISION),
                mean_iou=iou[valid].mean() if valid.any() else 0.0)


def ope_scores(preds: Sequence[np.ndarray], gts: Sequence[np.ndarray]) -> Dict[str, float]:
    """Mean over sequences, in percent: ``AUC``, ``OP50``, ``OP75``, ``Prec`` (20 px),
    ``NormPrec`` (0.2)."""
    per_seq = [sequence_scores(p, g) for p, g in zip(preds, gts)]
    if not per_seq:
        raise ValueError('no sequence to evaluate')
    success = np.mean([s['success'] for s in per_seq], axis=0)
    return dict(AUC=100 * float(success.mean()),
                OP50=100 * float(success[10]),
                OP75=100 * float(success[15]),
                Prec=100 * float(np.mean([s['precision'] for s in per_seq])),
                NormPrec=100 * float(np.mean([s['norm_precision'] for s in per_seq])))


@METRICS.register_module()
class SOTMetric(BaseMetric):
    """OPE scores over the test sequences (see the module docstring).

    Reads the tracker's per-frame outputs: dicts with ``seq_name``, ``frame_index``,
    ``pred_box`` and ``gt_box`` (``x, y, w, h``). Every sequence must be complete.
    """

    default_prefix = 'sot'

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(dict(
                seq_name=sample['seq_name'], frame_index=int(sample['frame_index']),
                num_frames=int(sample['num_frames']),
                pred_box=np.asarray(sample['pred_box'], dtype=np.float64),
                gt_box=np.asarray(sample['gt_box'], dtype=np.float64)))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        frames = defaultdict(dict)
        lengths = {}
        for r in results:
            frames[r['seq_name']][r['frame_index']] = r
            lengths[r['seq_name']] = r['num_frames']
        preds, gts = [], []
        for name in sorted(frames):
            seq = frames[name]
            if sorted(seq) != list(range(lengths[name])):
                raise ValueError(f'sequence {name}: got frames {sorted(seq)[:5]}... '
                                 f'({len(seq)} of {lengths[name]}); one-pass evaluation '
                                 'needs every frame')
            preds.append(np.stack([seq[i]['pred_box'] for i in range(lengths[name])]))
            gts.append(np.stack([seq[i]['gt_box'] for i in range(lengths[name])]))
        return ope_scores(preds, gts)
