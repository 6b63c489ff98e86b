"""Reuse the kept-token sets of one video frame for the next frames."""
import warnings
from typing import Dict, Optional

import torch

from tpmm.pruning import (BaseTokenPruner, IRToP, PrunableBlock, PruningContext,
                          build_pruner)
from tpmm.registry import MODELS


@MODELS.register_module()
class FrameReusePruner(BaseTokenPruner):
    """Wraps an IRToP pruner: score on a key frame, replay its selection on the next ones.

    Consecutive frames of a video are nearly the same image, so the tokens IRToP
    selects hardly change. On a *key frame* this pruner runs the inner pruner as is
    and stores, per prunable block, the kept index ``[B, K]`` its ``select`` chose
    (``None`` for a block the inner pruner ran unpruned). On the following frames of
    the same video it skips scoring: each block runs IRToP's reassembly
    (:meth:`IRToP.run_selected`: ``mix`` on the full grid, ``tokenwise`` on the stored
    tokens, put back) with the stored selection.

    A frame is a key frame when it is frame 0 of a video, when ``refresh_interval``
    frames have passed since the last key frame, or when its frame index is unknown.
    The pruner learns frame indices from :meth:`start_frame`, which
    :class:`tpmm.tracking.FrameReuseHook` calls before every val / test iteration
    with the ``frame_id`` of the batch's track data sample. Every backbone forward
    starts with :meth:`start_forward`; the forwards after a notification are taken as
    the following frames of the same video (mmdet's MOT models run the detector once
    per frame, so video-based sampling works too).

    In training mode the inner pruner runs unchanged (with its own ``prune_in_train``)
    and nothing is reused.

    Args:
        pruner (dict): the inner pruner config; must be :class:`tpmm.pruning.IRToP`
            (or a subclass): pruners that shrink the sequence (EViT, ToMe) cannot be
            replayed this way.
        refresh_interval (int, optional): score again every ``refresh_interval``
            frames; ``None``: only on the first frame of each video. ``1`` scores
            every frame (the inner pruner's result).
        num_blocks (int): number of prunable blocks (set by the backbone).

    Attributes:
        last_mode (str): what the last forward did: ``'score'`` (key frame),
            ``'reuse'`` or ``'train'``.
    """

    def __init__(self,
                 pruner: dict,
                 refresh_interval: Optional[int] = 10,
                 num_blocks: int = 0):
        super().__init__(num_blocks=num_blocks)
        if refresh_interval is not None and (
                isinstance(refresh_interval, bool) or not isinstance(refresh_interval, int)
                or refresh_interval < 1):
            raise ValueError(f'FrameReusePruner refresh_interval must be None or an int '
                             f'>= 1, got refresh_interval={refresh_interval!r}')
        if not isinstance(pruner, dict) or 'type' not in pruner:
            raise TypeError(f"FrameReusePruner pruner must be a pruner config dict with a "
                            f"'type' key, got pruner={pruner!r}")
        self.inner = build_pruner(pruner, num_blocks=num_blocks)
        if not isinstance(self.inner, IRToP):
            raise TypeError(f'FrameReusePruner replays the selections of IRToP (early stop '
                            f'+ reassembly); pruner.type={pruner["type"]!r} builds '
                            f'{type(self.inner).__name__}, whose selections cannot be '
                            f'replayed on another frame')
        self.refresh_interval = refresh_interval
        self.last_mode = 'score'
        self.reset_video()

    def reset_video(self) -> None:
        """Forget the stored selections and the frame position (e.g. a new run)."""
        self.stored: Dict[int, Optional[torch.Tensor]] = {}
        self.key_frame: Optional[int] = None
        self.frame_id: Optional[int] = None
        self.pending_frame: Optional[int] = None
        self.notified = False
        self.warned = False

    def start_frame(self, frame_id: Optional[int]) -> None:
        """The next forward processes frame ``frame_id`` (0-based) of a video;
        ``None``: it is not a video frame (always scored)."""
        if frame_id is not None and (isinstance(frame_id, bool) or int(frame_id) != frame_id
                                     or frame_id < 0):
            raise ValueError(f'frame_id must be None or an int >= 0, got {frame_id!r}')
        self.pending_frame = None if frame_id is None else int(frame_id)
        self.frame_id = None
        self.notified = True

    def start_forward(self) -> None:
        """Start of a backbone forward: decide whether it scores or reuses."""
        super().start_forward()
        if self.training:
            self.last_mode = 'train'
            return
        if self.pending_frame is not None:
            self.frame_id, self.pending_frame = self.pending_frame, None
        elif self.frame_id is not None:
            self.frame_id += 1
        if not self.notified and not self.warned:
            warnings.warn('FrameReusePruner got no frame ids, so it scores every frame; add '
                          "custom_hooks=[dict(type='tpmm.FrameReuseHook')] to the config")
            self.warned = True
        self.last_mode = 'reuse' if self.can_reuse() else 'score'
        if self.last_mode == 'score':
            self.stored = {}
            self.key_frame = self.frame_id

    def can_reuse(self) -> bool:
        """Whether the current frame may reuse the key frame's selections."""
        if self.frame_id is None or self.key_frame is None or not self.stored:
            return False
        since_key = self.frame_id - self.key_frame
        if since_key <= 0:  # frame 0 of a new video, or frames out of order
            return False
        return self.refresh_interval is None or since_key < self.refresh_interval

    def prune(self, index: int, block: PrunableBlock, x: torch.Tensor,
              ctx: PruningContext) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[T, B, C, N]``."""
        if self.last_mode == 'train':
            return self.inner.run(index, block, x, ctx)
        if self.last_mode == 'score':
            k = self.inner.keep_k(index, ctx)
            if k is None:
                self.stored[index] = None
        else:
            k = self.stored_selection(index, x, ctx)
        if k is None:
            return self.run_full(block, x, ctx.hw)
        mixed, side = block.mix(x, ctx.hw)
        if self.last_mode == 'score':
            kept = self.stored[index] = self.inner.select(block, x, mixed, k, ctx)
        else:
            kept = self.stored[index]
        return self.inner.run_selected(index, block, mixed, side, kept, ctx)

    def stored_selection(self, index: int, x: torch.Tensor,
                         ctx: PruningContext) -> Optional[int]:
        """Number of tokens the key frame kept at block ``index`` (``None``: it ran
        unpruned), checking the stored selection fits ``x`` (``[T, B, C, N]``)."""
        if index not in self.stored:
            raise KeyError(f'FrameReusePruner: block {index} ran on frame {self.frame_id} but '
                           f'not on the key frame {self.key_frame}')
        kept = self.stored[index]
        if kept is None:
            return None
        if kept.shape[0] != x.shape[1] or int(kept.max()) >= ctx.num_tokens:
            raise ValueError(
                f'FrameReusePruner: frame {self.frame_id} has batch {x.shape[1]} and '
                f'{ctx.num_tokens} tokens at block {index}, but the key frame '
                f'{self.key_frame} kept indices {tuple(kept.shape)} < {int(kept.max()) + 1}; '
                f'frames of one video must have the same size')
        return kept.shape[1]
