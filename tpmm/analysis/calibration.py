"""Prune to a budget: a per-block keep schedule for a backbone-FLOPs target, written as a
pruning overlay.

:func:`calibrate_keep_schedule` takes train images through the model's own data
preprocessor and runs :class:`tpmm.evaluation.KeepScheduleCalibrator` with the
criterion of a pruning overlay; :func:`overlay_text` writes the schedule
(``keep_schedule``, ``schedule_unit='tokens'``) under a header with the budget, the
search settings and the result.
"""
import os.path as osp
from typing import Callable, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner

from tpmm.engine.checkpoint import check_state_dict, checkpoint_state_dict
from tpmm.engine.pruning_overlay import overlay_pruning
from tpmm.evaluation import KeepScheduleCalibrator


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


def calibrate_keep_schedule(cfg: Config, checkpoint: str, target_flops_reduction: float,
                            criterion: str = 'irtop_k0.5', num_images: int = 256,
                            batch_size: int = 16, step: float = 0.1, min_keep: float = 0.1,
                            seed: int = 0, log: Optional[Callable[[str], None]] = None
                            ) -> Tuple[object, dict, Tuple[int, int]]:
    """``(search result, pruning dict of the criterion, input shape (H, W))``.

    Builds ``cfg.model`` with the weights of ``checkpoint`` (one that does not fit is
    refused, naming the keys) and searches the keep schedule of its backbone with the
    criterion of the overlay ``criterion``.
    """
    init_default_scope(cfg.get('default_scope', 'tpmm'))
    model = MODELS.build(cfg.model)
    state_dict = checkpoint_state_dict(checkpoint)
    check_state_dict(model, state_dict, checkpoint)
    model.load_state_dict(state_dict, strict=False)  # the pruner's keys may differ
    model.eval()
    backbone = getattr(model, 'backbone', None)
    if backbone is None or not hasattr(backbone, 'num_prunable_blocks'):
        raise TypeError(f'{cfg.filename}: model.backbone is not a tpmm backbone with '
                        f'prunable blocks')
    pruning = overlay_pruning(criterion)[1]
    batches = calibration_batches(cfg, model, num_images, batch_size, seed)
    calibrator = KeepScheduleCalibrator(backbone, batches, pruning, step=step,
                                        min_keep=min_keep, log=log)
    return calibrator.search(target_flops_reduction), pruning, tuple(batches[0].shape[-2:])


def overlay_text(result, pruning: dict, shape, config: str, checkpoint: str,
                 target_flops_reduction: float, criterion: str, step: float,
                 min_keep: float, num_images: int, seed: int) -> str:
    """The calibrated overlay: a header comment and ``model.backbone.pruning``."""
    pruning = dict(pruning, keep_ratio=None, keep_schedule=result.keep_schedule,
                   schedule_unit='tokens')
    body = Config(dict(model=dict(backbone=dict(pruning=dict(_delete_=True, **pruning)))))
    header = [
        f'# Calibrated by tools/analysis/calibrate.py for {osp.basename(config)}',
        f'# checkpoint: {checkpoint}',
        f'# budget: -{target_flops_reduction:.1%} backbone FLOPs; reached '
        f'-{result.reduction:.1%} ({result.unpruned_flops / 1e9:.4f} -> '
        f'{result.flops / 1e9:.4f} GFLOPs per image at {shape[0]}x{shape[1]})',
        f'# search: greedy, step {step:g}, min keep {min_keep:g}, criterion of '
        f'{criterion}, {num_images} train images (seed {seed})',
        f'# proxy: mean relative backbone-output error {result.distortion:.4f}',
        f'# kept tokens per block: {result.kept_tokens} of {result.grid_tokens}',
    ]
    return '\n'.join(header) + '\n' + body.pretty_text
