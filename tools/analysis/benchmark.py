"""Throughput, FLOPs and pruning overhead of a backbone: unpruned vs pruning overlays.

    python tools/analysis/benchmark.py CONFIG [--pruning OVERLAY ...] [--shape H W]
        [--batch B] [--sweep 224 512 1024] [--sweep-batch B] [--warmup N]
        [--repeats N] [--iters N] [--full-model] [--device DEV]
        [--cfg-options KEY=VALUE ...] [--out JSON]

CONFIG is any config with ``model.backbone`` (tpmm, mmdet, mmseg, or a
``projects/classification`` config). OVERLAY is a pruning overlay file or a name under
``configs/_base_/pruning`` (``irtop_k0.7``). All variants (unpruned first, then one per
overlay) are built with the same weights and measured in one run: after ``--warmup``
forwards of each, ``--repeats`` rounds run every variant once per round, in an order
that rotates from round to round, each timing ``--iters`` forwards; images/s are
summarised by median and spread over the rounds.

FLOPs are counted on a real forward (batch 1) with the pruner active
(:func:`tpmm.evaluation.count_flops`), so gathered / merged token counts show up.
The pruner's own cost (scoring, top-k, gather, restore, merge) is timed in a separate
pass with :class:`tpmm.evaluation.PruningOverheadTimer`. ``--train-step`` also times a
training step (forward in train mode, backward of the mean of the outputs), the cost
of fine-tuning with pruning active.

JSON keys (``--out``)::

    config, backbone, device, torch_threads
    settings: {shape [H, W], batch, sweep_batch, warmup, repeats, iters, train_step}
    variants: ordered list of variant names ("unpruned" first)
    pruning: {variant: pruning dict or null}
    main: one measurement (below) at --shape / --batch
    sweep: list of measurements, one per --sweep long side (key "long_side")
    measurement = {
      shape [H, W], batch,
      noise_floor                  # the unpruned variant's images/s IQR / median
      results: {variant: {
        images_per_s: {median, p25, p75, min, max, rel_iqr, samples},
        backbone_gflops            # per image, counted with pruning active
        flops_ratio                # unpruned FLOPs / this variant's FLOPs (the bound)
        speedup                    # median images/s / unpruned median images/s
        speedup_rounds: {p25, p75} # of the per-round paired ratios to the unpruned one
        verdict                    # "slowdown" (speedup < 1) or "faster", plus
                                   # " (within noise)" when |speedup - 1| <= noise_floor
        speedup_vs_bound           # speedup / flops_ratio (1.0 = all of the bound;
                                   # read it only where the verdict is "faster")
        block_time_share           # share of backbone time spent in the prunable blocks
        block_speedup              # unpruned block time / this variant's block time
        kept_tokens: {block: [K, N]}   # tokens run by each pruned block / grid size
        overhead: {pruner_ms, block_ms, overhead_ms, scoring_ms, top_k_ms,
                   gather_restore_ms, backbone_ms, overhead_share, scoring_share,
                   top_k_share}   # per forward; overhead = scoring + top-k +
                                  # gather/restore (see PruningOverheadTimer.summary)
        full_model: {images_per_s, gflops, call}   # with --full-model only
        train_step: {images_per_s, speedup, peak_memory_mb}   # with --train-step only
                                   # (peak memory: CUDA only, else null)
      }}}
"""
import argparse
import json
import os
import sys

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger

from tpmm.analysis import BenchmarkSettings, allocator_warning, load_config, run_benchmark


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file with model.backbone')
    parser.add_argument('--pruning', nargs='*', default=[],
                        help='pruning overlays (paths or names under configs/_base_/pruning)')
    parser.add_argument('--shape', nargs=2, type=int, default=[224, 224], metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--sweep', nargs='*', type=int, default=[],
                        help='long sides of a size sweep (aspect of --shape)')
    parser.add_argument('--sweep-batch', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--iters', type=int, default=2, help='forwards per timed round')
    parser.add_argument('--full-model', action='store_true',
                        help='also time and count the whole model (backbone + neck + head)')
    parser.add_argument('--train-step', action='store_true',
                        help='also time a training step (forward + backward) per variant')
    parser.add_argument('--checkpoint', help='weights (full model or backbone)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    for key in ('batch', 'sweep_batch', 'repeats', 'iters'):
        if getattr(args, key) < 1:
            raise ValueError(f'--{key.replace("_", "-")} must be >= 1, got {getattr(args, key)}')
    if args.warmup < 0:
        raise ValueError(f'--warmup must be >= 0, got {args.warmup}')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    if not MMLogger.check_instance_created('tpmm_benchmark'):
        MMLogger.get_instance('tpmm_benchmark', log_level='INFO')
    warning = allocator_warning(args.device, os.environ, sys.platform)
    if warning:
        MMLogger.get_current_instance().warning(warning)
    cfg, variants = load_config(args.config, args.pruning, args.cfg_options)
    result = run_benchmark(cfg, variants, BenchmarkSettings.from_args(args))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
