"""Calibrate a per-block keep schedule to a backbone-FLOPs or latency budget.

A greedy sensitivity search: starting from the unpruned backbone, each step lowers the
kept-token count of the one prunable block whose step costs the least output
distortion per FLOP saved, until the backbone's FLOPs (counted on a real pruned
forward, :func:`count_flops`) reach the target, or until its measured latency does.
Distortion is the mean relative L2 error of the
backbone's outputs against the unpruned backbone on calibration images, so the search
needs no labels and works for any task head.
"""
import copy
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import nn

from tpmm.pruning import build_pruner
from .flop_count import count_flops
from .pruning_overhead import PruningOverheadTimer


@dataclass
class CalibrationResult:
    """Outcome of :meth:`KeepScheduleCalibrator.search`.

    Attributes:
        keep_schedule: per prunable block, the keep ratio (``schedule_unit='tokens'``)
            that gives ``kept_tokens`` on the calibration shape.
        kept_tokens / grid_tokens: tokens kept and on the grid, per block.
        flops / unpruned_flops: backbone FLOPs per image, pruned and unpruned.
        distortion: mean relative output error of the schedule on the calibration data.
        history: ``(block index, kept tokens, flops, distortion)`` per accepted step.
        latency_ms / unpruned_latency_ms: backbone time per image, pruned and unpruned,
            for a latency search (``None`` for a FLOPs search).
    """

    keep_schedule: List[float]
    kept_tokens: List[int]
    grid_tokens: List[int]
    flops: int
    unpruned_flops: int
    distortion: float
    history: List[Tuple[int, int, int, float]] = field(default_factory=list)
    latency_ms: Optional[float] = None
    unpruned_latency_ms: Optional[float] = None

    @property
    def reduction(self) -> float:
        """Share of the unpruned backbone FLOPs the schedule removes."""
        return 1.0 - self.flops / self.unpruned_flops


def output_distortion(outputs: Sequence[torch.Tensor],
                      reference: Sequence[torch.Tensor]) -> float:
    """Mean over outputs and samples of ``|o - r| / |r|`` (flattened per sample)."""
    errors = []
    for out, ref in zip(outputs, reference):
        out, ref = out.flatten(1).float(), ref.flatten(1).float()
        errors.append((out - ref).norm(dim=1) / ref.norm(dim=1).clamp_min(1e-12))
    return torch.cat(errors).mean().item()


def ratio_for_tokens(kept: int, grid: int) -> float:
    """A keep ratio that keeps exactly ``kept`` of ``grid`` tokens (``int(r * grid)``;
    1.0 for the whole grid, i.e. the block is not pruned)."""
    return 1.0 if kept >= grid else round((kept + 0.5) / grid, 6)


class KeepScheduleCalibrator:
    """Searches per-block keep counts of a backbone for a FLOPs budget.

    Args:
        backbone: a tpmm backbone (its mode is left as it is; call ``eval()`` first for
            a trained model).
        batches: calibration inputs, each a tensor the backbone takes.
        pruning (dict): the pruner config without a keep ratio or schedule (the
            criterion); ``dict(type='IRToP')`` by default (the released criterion).
        step (float): a search step lowers one block by ``max(1, round(step * N))``
            tokens (N: its grid).
        min_keep (float): no block keeps fewer than ``max(1, int(min_keep * N))``.
        log (callable, optional): receives one progress line per accepted step.
        latency (callable, optional): ``latency(backbone) -> ms``, the backbone's time
            per image with its current pruner, for :meth:`search_latency`; by default
            the median of 5 timed forwards of the first calibration image (after one
            warm-up) on the device the backbone is on.
    """

    def __init__(self,
                 backbone: nn.Module,
                 batches: Sequence[torch.Tensor],
                 pruning: Optional[dict] = None,
                 step: float = 0.1,
                 min_keep: float = 0.1,
                 log: Optional[Callable[[str], None]] = None,
                 latency: Optional[Callable[[nn.Module], float]] = None):
        if not batches:
            raise ValueError('KeepScheduleCalibrator needs at least one calibration batch')
        if not 0 < step < 1 or not 0 < min_keep <= 1:
            raise ValueError(f'step and min_keep must be in (0, 1), got step={step!r}, '
                             f'min_keep={min_keep!r}')
        self.backbone = backbone
        self.batches = list(batches)
        self.pruning = dict(pruning or dict(type='IRToP'))
        for key in ('keep_ratio', 'keep_schedule', 'schedule_unit'):
            self.pruning.pop(key, None)
        self.pruning.pop('_delete_', None)
        self.step = step
        self.min_keep = min_keep
        self.log = log or (lambda line: None)
        self.latency = latency or self._timed_forward
        self.num_blocks = backbone.num_prunable_blocks
        self.original_pruner = backbone.pruner
        try:
            self.grid_tokens = self._grid_tokens()
            self.reference = self._outputs()
            self.unpruned_flops = self._flops()
        finally:
            backbone.pruner = self.original_pruner

    def _set_pruner(self, kept: Optional[Sequence[int]]) -> None:
        if kept is None:
            cfg = dict(type='NoPrune')
        else:
            schedule = [ratio_for_tokens(k, n) for k, n in zip(kept, self.grid_tokens)]
            cfg = dict(copy.deepcopy(self.pruning), keep_ratio=None, keep_schedule=schedule,
                       schedule_unit='tokens')
        self.backbone.pruner = build_pruner(cfg, self.num_blocks)

    def _grid_tokens(self) -> List[int]:
        self._set_pruner(None)
        with PruningOverheadTimer(self.backbone.pruner) as timer, torch.no_grad():
            self.backbone(self.batches[0][:1])
        if sorted(timer.stage_hw) != list(range(self.num_blocks)):
            raise RuntimeError(f'{type(self.backbone).__name__} ran prunable blocks '
                               f'{sorted(timer.stage_hw)}, expected 0..{self.num_blocks - 1}')
        return [timer.stage_hw[i][0] * timer.stage_hw[i][1] for i in range(self.num_blocks)]

    def _outputs(self) -> List[torch.Tensor]:
        """Backbone outputs on every calibration batch, with the pruner it has now."""
        outputs = []
        with torch.no_grad():
            for batch in self.batches:
                out = self.backbone(batch)
                outputs.extend(out if isinstance(out, (tuple, list)) else [out])
        return outputs

    def _flops(self) -> int:
        """Backbone FLOPs per image, with the pruner it has now."""
        return count_flops(self.backbone, self.batches[0][:1])['total']

    def measure(self, kept: Sequence[int]) -> Tuple[int, float]:
        """``(FLOPs per image, distortion)`` of keeping ``kept`` tokens per block (leaves
        that pruner on the backbone)."""
        self._set_pruner(kept)
        return self._flops(), output_distortion(self._outputs(), self.reference)

    def minimum_kept(self) -> List[int]:
        return [max(1, int(self.min_keep * n)) for n in self.grid_tokens]

    def max_reduction(self) -> float:
        """The FLOPs reduction with every prunable block at its minimum."""
        try:
            self._set_pruner(self.minimum_kept())
            return 1.0 - self._flops() / self.unpruned_flops
        finally:
            self.backbone.pruner = self.original_pruner

    def search(self, target_reduction: float, tolerance: float = 0.02) -> CalibrationResult:
        """Greedy search until the FLOPs are within ``tolerance`` (relative) of
        ``(1 - target_reduction) * unpruned``.

        Raises:
            ValueError: the target is more than the prunable blocks can remove.
        """
        if not 0 < target_reduction < 1:
            raise ValueError(f'target FLOPs reduction must be in (0, 1), got '
                             f'{target_reduction!r}')
        reachable = self.max_reduction()
        if target_reduction > reachable:
            raise ValueError(
                f'a {target_reduction:.1%} backbone-FLOPs reduction cannot be reached: with '
                f'every prunable block at its minimum ({self.min_keep:g} of its tokens) '
                f'the reduction is at most {reachable:.1%} (the rest of '
                f'{type(self.backbone).__name__} is never pruned)')
        target = (1 - target_reduction) * self.unpruned_flops
        kept = list(self.grid_tokens)
        flops, distortion = self.unpruned_flops, 0.0
        history = []
        try:
            while flops > target * (1 + tolerance):
                best = self._cheapest_step(kept, flops, distortion)
                if best is None:
                    break
                i, trial, trial_flops, trial_distortion = best
                if trial_flops < target * (1 - tolerance):  # overshot: settle in between
                    trial, trial_flops, trial_distortion = self._settle(
                        i, kept[i], (trial, trial_flops, trial_distortion),
                        target * (1 + tolerance))
                kept, flops, distortion = trial, trial_flops, trial_distortion
                history.append((i, kept[i], flops, distortion))
                self.log(f'block {i}: keep {kept[i]}/{self.grid_tokens[i]} tokens, '
                         f'FLOPs -{1 - flops / self.unpruned_flops:.1%} '
                         f'(target -{target_reduction:.1%}), distortion {distortion:.4f}')
        finally:
            self.backbone.pruner = self.original_pruner
        return CalibrationResult(
            keep_schedule=[ratio_for_tokens(k, n) for k, n in zip(kept, self.grid_tokens)],
            kept_tokens=kept, grid_tokens=list(self.grid_tokens), flops=flops,
            unpruned_flops=self.unpruned_flops, distortion=distortion, history=history)

    def search_latency(self, target_ms: float) -> CalibrationResult:
        """Greedy search (the same steps as :meth:`search`) until the measured backbone
        latency per image is at most ``target_ms``.

        Raises:
            ValueError: the target is below the latency with every prunable block at its
                minimum, or the steps ran out above it (timing noise near that minimum).
        """
        if not target_ms > 0:
            raise ValueError(f'target latency must be > 0 ms, got {target_ms!r}')
        try:
            self._set_pruner(None)
            unpruned_ms = self.latency(self.backbone)
            self._set_pruner(self.minimum_kept())
            fastest_ms = self.latency(self.backbone)
        finally:
            self.backbone.pruner = self.original_pruner
        if target_ms < fastest_ms:
            raise ValueError(
                f'a latency of {target_ms:g} ms per image cannot be reached: with every '
                f'prunable block at its minimum ({self.min_keep:g} of its tokens) '
                f'{type(self.backbone).__name__} takes {fastest_ms:.2f} ms on this device '
                f'(unpruned {unpruned_ms:.2f} ms)')
        kept = list(self.grid_tokens)
        flops, distortion, latency_ms = self.unpruned_flops, 0.0, unpruned_ms
        history = []
        try:
            while latency_ms > target_ms:
                best = self._cheapest_step(kept, flops, distortion)
                if best is None:
                    break
                i, kept, flops, distortion = best
                self._set_pruner(kept)
                latency_ms = self.latency(self.backbone)
                history.append((i, kept[i], flops, distortion))
                self.log(f'block {i}: keep {kept[i]}/{self.grid_tokens[i]} tokens, '
                         f'{latency_ms:.2f} ms (target {target_ms:g} ms), FLOPs '
                         f'-{1 - flops / self.unpruned_flops:.1%}, distortion '
                         f'{distortion:.4f}')
        finally:
            self.backbone.pruner = self.original_pruner
        if latency_ms > target_ms:
            raise ValueError(
                f'a latency of {target_ms:g} ms per image was not reached: with every '
                f'prunable block at its minimum {type(self.backbone).__name__} took '
                f'{latency_ms:.2f} ms this time ({fastest_ms:.2f} ms before the search); '
                f'the target is within the timing noise of the fastest schedule')
        return CalibrationResult(
            keep_schedule=[ratio_for_tokens(k, n) for k, n in zip(kept, self.grid_tokens)],
            kept_tokens=kept, grid_tokens=list(self.grid_tokens), flops=flops,
            unpruned_flops=self.unpruned_flops, distortion=distortion, history=history,
            latency_ms=latency_ms, unpruned_latency_ms=unpruned_ms)

    def _cheapest_step(self, kept: List[int], flops: int, distortion: float
                       ) -> Optional[Tuple[int, List[int], int, float]]:
        """Of the one-block steps down from ``kept``, the one that adds the least
        distortion per FLOP saved: ``(block, kept, flops, distortion)``, ``None`` when no
        block can go lower."""
        floor = self.minimum_kept()
        best = None
        for i in range(self.num_blocks):
            if kept[i] <= floor[i]:
                continue
            trial = list(kept)
            trial[i] = max(floor[i], kept[i] - max(1, round(self.step * self.grid_tokens[i])))
            trial_flops, trial_distortion = self.measure(trial)
            if trial_flops >= flops:
                continue
            cost = (trial_distortion - distortion) / (flops - trial_flops)
            if best is None or cost < best[0]:
                best = (cost, i, trial, trial_flops, trial_distortion)
        return None if best is None else best[1:]

    def _timed_forward(self, backbone: nn.Module, repeats: int = 5) -> float:
        """Median ms of a forward of the first calibration image (one warm-up)."""
        image = self.batches[0][:1]
        times = []
        with torch.no_grad():
            for run in range(repeats + 1):
                if image.is_cuda:
                    torch.cuda.synchronize(image.device)
                start = time.perf_counter()
                backbone(image)
                if image.is_cuda:
                    torch.cuda.synchronize(image.device)
                if run:
                    times.append(1000 * (time.perf_counter() - start))
        return statistics.median(times)

    def _settle(self, block: int, high: int, overshot: Tuple[List[int], int, float],
                limit: float) -> Tuple[List[int], int, float]:
        """The step of ``block`` from ``high`` tokens to the ``overshot`` measurement
        ``(kept, flops, distortion)`` went past the budget: the largest count between the
        two whose FLOPs are at most ``limit`` (``overshot`` if none is)."""
        best = overshot
        low = overshot[0][block]
        while high - low > 1:
            middle = (low + high) // 2
            trial = list(overshot[0])
            trial[block] = middle
            trial_flops, trial_distortion = self.measure(trial)
            if trial_flops <= limit:
                best, low = (trial, trial_flops, trial_distortion), middle
            else:
                high = middle
        return best
