"""Time the work a token pruner adds to a backbone forward.

The pruner drives every prunable block through ``pruner.run(index, block, x, ctx)``
between ``pruner.begin`` and ``pruner.end`` (see :mod:`tpmm.pruning.stage_runner`).
Everything spent inside those three calls that is not spent inside the block's own
``mix`` / ``tokenwise`` is the pruner's overhead: scoring, top-k, gather, scatter /
restore, merging. :class:`PruningOverheadTimer` measures exactly that by wrapping
the three pruner methods and, during each ``run``, the block's two methods, with
wall-clock timers (synchronising the accelerator around each timed call, so use it
for a separate measurement pass, not for throughput). The scorer's share is timed
with forward hooks on ``pruner.scorer`` when the pruner has one, the selection
(scoring + top-k) by wrapping ``pruner.select`` when it has one (IRToP). A pruner that
delegates to another one (``FrameReusePruner``'s ``inner``) has neither itself, so its
whole overhead is reported as gather / restore.
"""
import time
from contextlib import contextmanager
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import nn

BLOCK_METHODS = ('mix', 'tokenwise')
PRUNER_METHODS = ('begin', 'run', 'end')


class PruningOverheadTimer:
    """Context manager that accumulates pruner and block times over forwards.

    Args:
        pruner (nn.Module): the backbone's pruner (``backbone.pruner``).
        device (torch.device, optional): synchronised around timed calls when it is
            a CUDA device.

    Attributes (seconds, summed over all forwards run inside the context):
        pruner_time: inside ``begin`` / ``run`` / ``end``.
        block_time: inside the blocks' ``mix`` / ``tokenwise`` called by the pruner.
        scoring_time: inside ``pruner.scorer`` (0 when the pruner has no scorer).
        selection_time: inside ``pruner.select`` (0 when the pruner has none).
        stage_hw: ``{block_index: (H, W)}`` token grid of each block's stage in the
            last forward (the pruner's ``last_grids``).
        blocks: ``{block_index: block}``, the modules the pruner ran.
    """

    def __init__(self, pruner: nn.Module, device: Optional[torch.device] = None):
        self.pruner = pruner
        self.device = torch.device(device) if device is not None else None
        self.pruner_time = 0.0
        self.block_time = 0.0
        self.scoring_time = 0.0
        self.selection_time = 0.0
        self.blocks: Dict[int, nn.Module] = {}
        self._handles: List = []
        self._patched: List[str] = []
        self._score_start: List[float] = []

    def _now(self) -> float:
        if self.device is not None and self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    @property
    def stage_hw(self) -> Dict[int, Tuple[int, int]]:
        return dict(self.pruner.last_grids)

    @property
    def overhead_time(self) -> float:
        """Pruner time not spent in the blocks' own work."""
        return max(self.pruner_time - self.block_time, 0.0)

    def _timed(self, fn: Callable, slot: str) -> Callable:

        def wrapper(*args, **kwargs):
            start = self._now()
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(self, slot, getattr(self, slot) + self._now() - start)

        return wrapper

    @contextmanager
    def _timed_block(self, block: nn.Module):
        patched = []
        for name in BLOCK_METHODS:
            if name in block.__dict__ or getattr(block, name, None) is None:
                continue
            setattr(block, name, self._timed(getattr(block, name), 'block_time'))
            patched.append(name)
        try:
            yield
        finally:
            for name in patched:
                del block.__dict__[name]

    def _wrap_run(self, run: Callable) -> Callable:

        def run_timed(index, block, x, ctx):
            self.blocks[int(index)] = block
            with self._timed_block(block):
                return self._timed(run, 'pruner_time')(index, block, x, ctx)

        return run_timed

    def _score_pre_hook(self, module, args):
        self._score_start.append(self._now())

    def _score_hook(self, module, args, output):
        self.scoring_time += self._now() - self._score_start.pop()

    def __enter__(self) -> 'PruningOverheadTimer':
        for name in PRUNER_METHODS:
            method = getattr(self.pruner, name)
            wrapped = (self._wrap_run(method) if name == 'run' else
                       self._timed(method, 'pruner_time'))
            self.pruner.__dict__[name] = wrapped
        self._patched = list(PRUNER_METHODS)
        if callable(getattr(self.pruner, 'select', None)):
            self.pruner.__dict__['select'] = self._timed(self.pruner.select, 'selection_time')
            self._patched.append('select')
        scorer = getattr(self.pruner, 'scorer', None)
        if isinstance(scorer, nn.Module):
            self._handles.append(scorer.register_forward_pre_hook(self._score_pre_hook))
            self._handles.append(scorer.register_forward_hook(self._score_hook))
        return self

    def __exit__(self, *exc) -> None:
        for name in self._patched:
            self.pruner.__dict__.pop(name, None)
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def summary(self, backbone_time: float) -> Dict[str, float]:
        """Times in ms and shares of ``backbone_time`` (seconds, same forwards).

        Returns ``pruner_ms`` (all time in begin/run/end), ``block_ms`` (the blocks'
        own work inside it), ``overhead_ms`` (pruner minus block), its parts
        ``scoring_ms``, ``top_k_ms`` (the rest of ``select``: choosing the tokens from
        the scores; 0 for pruners without ``select``) and ``gather_restore_ms`` (the
        rest: moving tokens, merging, bookkeeping), ``backbone_ms``, and
        ``overhead_share`` / ``scoring_share`` / ``top_k_share`` (fractions of the
        backbone time).
        """
        if backbone_time <= 0:
            raise ValueError(f'backbone_time must be > 0 seconds, got {backbone_time}')
        scoring = min(self.scoring_time, self.overhead_time)
        top_k = min(max(self.selection_time - self.scoring_time, 0.0),
                    self.overhead_time - scoring)
        return dict(
            pruner_ms=1e3 * self.pruner_time,
            block_ms=1e3 * self.block_time,
            overhead_ms=1e3 * self.overhead_time,
            scoring_ms=1e3 * scoring,
            top_k_ms=1e3 * top_k,
            gather_restore_ms=1e3 * (self.overhead_time - scoring - top_k),
            backbone_ms=1e3 * backbone_time,
            overhead_share=self.overhead_time / backbone_time,
            scoring_share=scoring / backbone_time,
            top_k_share=top_k / backbone_time)
