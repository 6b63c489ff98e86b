"""Prune to a budget: a per-block keep schedule for a backbone-FLOPs or latency target,
written as a pruning overlay.

:func:`calibrate_keep_schedule` takes train images through the model's own data
preprocessor and runs :class:`tpmm.evaluation.KeepScheduleCalibrator` with the
criterion of each given pruning overlay, keeping the least distorting one;
:func:`overlay_text` writes the schedule
(``keep_schedule``, ``schedule_unit='tokens'``) under a header with the budget, the
search settings and the result.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner

from tpmm.engine.checkpoint import check_state_dict, checkpoint_state_dict
from tpmm.engine.pruning_overlay import overlay_pruning
from tpmm.evaluation import CalibrationResult, KeepScheduleCalibrator


def calibration_batches(cfg: Config, model, num_images: int, batch_size: int,
                        seed: int) -> List[torch.Tensor]:
    """Preprocessed inputs ``[B, 3, H, W]`` of ``num_images`` train images, in a seeded
    order."""
    if num_images < 1 or batch_size < 1:
        raise ValueError(f'--num-images and --batch-size must be >= 1, got {num_images}, '
                         f'{batch_size}')
    loader_cfg = cfg.train_dataloader
    loader = Runner.build_dataloader(
        dict(dataset=loader_cfg.dataset, batch_size=batch_size, num_workers=0,
             sampler=dict(type='DefaultSampler', shuffle=True, seed=seed),
             collate_fn=loader_cfg.get('collate_fn', dict(type='pseudo_collate'))),
        seed=seed)
    batches, count = [], 0
    for data in loader:
        inputs = model.data_preprocessor(data, False)['inputs']
        batches.append(inputs[:num_images - count])
        count += len(batches[-1])
        if count >= num_images:
            break
    return batches


@dataclass
class Calibration:
    """What :func:`calibrate_keep_schedule` found.

    Attributes:
        result: the search result of the chosen criterion.
        criterion: the overlay (name or file) whose criterion was chosen.
        pruning: that overlay's pruner config.
        shape: calibration input size ``(H, W)``.
        candidates: per criterion tried, the distortion its schedule reached.
    """

    result: CalibrationResult
    criterion: str
    pruning: dict
    shape: Tuple[int, int]
    candidates: Dict[str, float] = field(default_factory=dict)


def calibrate_keep_schedule(cfg: Config, checkpoint: str,
                            target_flops_reduction: Optional[float] = None,
                            criteria: Sequence[str] = ('irtop_k0.5', ),
                            num_images: int = 256, batch_size: int = 16, step: float = 0.1,
                            min_keep: float = 0.1, seed: int = 0,
                            log: Optional[Callable[[str], None]] = None,
                            target_latency_ms: Optional[float] = None,
                            device: str = 'cpu') -> Calibration:
    """Search the keep schedule of ``cfg.model``'s backbone for one budget.

    Builds ``cfg.model`` with the weights of ``checkpoint`` (one that does not fit is
    refused, naming the keys) on ``device``, and searches a schedule for every overlay
    of ``criteria`` (their criterion; keep ratios are replaced) to either
    ``target_flops_reduction`` or ``target_latency_ms`` (measured on ``device``). Every
    candidate's schedule meets the budget (a search that cannot raises); the criterion
    whose schedule distorts the backbone outputs least wins.
    """
    if (target_flops_reduction is None) == (target_latency_ms is None):
        raise ValueError('give exactly one budget: target_flops_reduction or '
                         'target_latency_ms')
    if not criteria:
        raise ValueError('criteria must name at least one pruning overlay')
    init_default_scope(cfg.get('default_scope', 'tpmm'))
    model = MODELS.build(cfg.model)
    state_dict = checkpoint_state_dict(checkpoint)
    check_state_dict(model, state_dict, checkpoint)
    model.load_state_dict(state_dict, strict=False)  # the pruner's keys may differ
    model.to(device).eval()
    backbone = getattr(model, 'backbone', None)
    if backbone is None or not hasattr(backbone, 'num_prunable_blocks'):
        raise TypeError(f'{cfg.filename}: model.backbone is not a tpmm backbone with '
                        f'prunable blocks')
    batches = calibration_batches(cfg, model, num_images, batch_size, seed)
    shape = tuple(batches[0].shape[-2:])
    best = None
    candidates = {}
    for criterion in criteria:
        pruning = overlay_pruning(criterion)[1]
        if log is not None:
            log(f'criterion {criterion}: {pruning}')
        calibrator = KeepScheduleCalibrator(backbone, batches, pruning, step=step,
                                            min_keep=min_keep, log=log)
        if target_latency_ms is None:
            result = calibrator.search(target_flops_reduction)
        else:
            result = calibrator.search_latency(target_latency_ms)
        candidates[criterion] = result.distortion
        if best is None or result.distortion < best.result.distortion:
            best = Calibration(result, criterion, pruning, shape)
    best.candidates = candidates
    return best


def overlay_text(calibration: Calibration, config: str, checkpoint: str,
                 target_flops_reduction: Optional[float], target_latency_ms: Optional[float],
                 step: float, min_keep: float, num_images: int, seed: int,
                 device: str = 'cpu') -> str:
    """The calibrated overlay: a header comment and ``model.backbone.pruning``."""
    result, shape = calibration.result, calibration.shape
    pruning = dict(calibration.pruning, keep_ratio=None, keep_schedule=result.keep_schedule,
                   schedule_unit='tokens')
    body = Config(dict(model=dict(backbone=dict(pruning=dict(_delete_=True, **pruning)))))
    reached = (f'-{result.reduction:.1%} ({result.unpruned_flops / 1e9:.4f} -> '
               f'{result.flops / 1e9:.4f} GFLOPs per image at {shape[0]}x{shape[1]})')
    if target_latency_ms is None:
        budget = f'# budget: -{target_flops_reduction:.1%} backbone FLOPs; reached {reached}'
    else:
        budget = (f'# budget: {target_latency_ms:g} ms per image on {device}; reached '
                  f'{result.latency_ms:.2f} ms (unpruned {result.unpruned_latency_ms:.2f} ms), '
                  f'backbone FLOPs {reached}')
    candidates = ', '.join(f'{name} {value:.4f}'
                           for name, value in calibration.candidates.items())
    header = [
        f'# Calibrated by tools/analysis/calibrate.py for {osp.basename(config)}',
        f'# checkpoint: {checkpoint}',
        budget,
        f'# search: greedy, step {step:g}, min keep {min_keep:g}, criterion of '
        f'{calibration.criterion}, {num_images} train images (seed {seed})',
        f'# proxy: mean relative backbone-output error {result.distortion:.4f} '
        f'(criteria tried: {candidates})',
        f'# kept tokens per block: {result.kept_tokens} of {result.grid_tokens}',
    ]
    return '\n'.join(header) + '\n' + body.pretty_text
