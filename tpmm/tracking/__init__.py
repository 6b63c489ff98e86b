"""Multi-object tracking with token-pruned spiking detectors on mmdet 3.3's MOT stack.

The trackers, models, datasets and metric are mmdet's own (configs/tracking/):

- model: ``ByteTrack`` whose ``detector`` is a RetinaNet on a tpmm spiking backbone,
  ``ByteTracker`` (Kalman motion, high / low score association), and
  ``TrackDataPreprocessor(use_det_processor=True)``;
- training: ``ByteTrack.loss`` is the detector's loss on single frames: a ``CocoDataset``
  reads the CocoVideo json of the half-train split (a COCO json with extra keys),
  ``PackDetInputs``; the tracker has no weights;
- validation / test: ``MOTChallengeDataset`` (half-val) + ``TrackImgSampler`` (one frame
  per iteration, videos in order) and ``MOTChallengeMetric`` (HOTA, CLEAR/MOTA,
  Identity/IDF1 through trackeval). mmdet 3.3's metric runs unchanged with numpy 2 and
  trackeval 1.3.

Token pruning is the detection overlays' ``pruning=`` of ``model.detector.backbone``.
This package adds reuse of kept-token sets across the frames of a video:
:class:`FrameReusePruner` (wraps IRToP) and :class:`FrameReuseHook` (gives it each
frame's ``frame_id``). :class:`TrackLocalVisualizer` works around mmdet 3.3 failing to
draw a test frame's ground truth (``tools/test.py --show-dir``).

:mod:`.sot` is the paper's tracking task: event-based single-object tracking with a
one-stream spiking tracker whose pruner stops search-region tokens only.
"""
from . import sot  # noqa: F401  (event-based single-object tracking)
from .frame_reuse_hook import FrameReuseHook, batch_frame_id
from .frame_reuse_pruner import FrameReusePruner
from .visualizer import TrackLocalVisualizer

__all__ = ['FrameReusePruner', 'FrameReuseHook', 'TrackLocalVisualizer', 'batch_frame_id']
