"""Tell frame-reusing pruners where each val / test batch sits in its video."""
from typing import Optional, Sequence

from mmengine.hooks import Hook

from tpmm.registry import HOOKS
from .frame_reuse_pruner import FrameReusePruner


def batch_frame_id(data_batch: Optional[dict]) -> Optional[int]:
    """``frame_id`` of the first frame of a one-sample batch, else ``None``.

    A batch from a video dataset holds mmdet ``TrackDataSample`` s whose frames carry
    ``frame_id`` (0-based within the video); a detection batch may hold
    ``DetDataSample`` s with a ``frame_id``. Batches of several samples are different
    images (mmdet's MOT models test one video sample at a time): ``None``.
    """
    samples: Sequence = (data_batch or {}).get('data_samples') or []
    if len(samples) != 1:
        return None
    sample = samples[0]
    frames = getattr(sample, 'video_data_samples', None)  # mmdet's TrackDataSample
    if frames:
        sample = frames[0]
    frame_id = sample.metainfo.get('frame_id')
    return None if frame_id is None else int(frame_id)


@HOOKS.register_module()
class FrameReuseHook(Hook):
    """Before every val / test iteration, pass the batch's ``frame_id`` to each
    :class:`FrameReusePruner` of the model (``start_frame``); a no-op for models
    without one. Add it to tracking configs:
    ``custom_hooks = [dict(type='tpmm.FrameReuseHook')]``.
    """

    priority = 'NORMAL'

    def __init__(self):
        self.pruners = []

    def find_pruners(self, runner) -> None:
        """Collect the model's frame-reusing pruners and clear their state."""
        self.pruners = [m for m in runner.model.modules() if isinstance(m, FrameReusePruner)]
        for pruner in self.pruners:
            pruner.reset_video()

    def notify(self, data_batch: Optional[dict]) -> None:
        frame_id = batch_frame_id(data_batch)
        for pruner in self.pruners:
            pruner.start_frame(frame_id)

    def before_val_epoch(self, runner) -> None:
        self.find_pruners(runner)

    def before_test_epoch(self, runner) -> None:
        self.find_pruners(runner)

    def before_val_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        self.notify(data_batch)

    def before_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        self.notify(data_batch)
