"""Prune to a budget: calibrate a per-block keep schedule for a backbone-FLOPs or
latency target.

    python tools/analysis/calibrate.py CONFIG CHECKPOINT
        (--target-flops-reduction 0.3 | --target-latency-ms 25 [--device cuda])
        [--pruning OVERLAY [OVERLAY ...]] [--num-images 256] [--batch-size 16]
        [--step 0.1] [--min-keep 0.1] [--seed 0] [--out OVERLAY.py]
        [--cfg-options KEY=VALUE ...]

Takes ``--num-images`` images of the config's *train* split (never the evaluation
split), seeded, through the model's own data preprocessor, and runs
:class:`tpmm.evaluation.KeepScheduleCalibrator`: a greedy search that lowers, one step
at a time, the kept tokens of the prunable block whose step distorts the backbone's
outputs least per FLOP saved, with FLOPs counted on real pruned forwards, until the
backbone FLOPs are within 2 % of the target, or until the backbone's measured time per
image (batch 1, median of 5 forwards on ``--device``) is at most the latency target.
The criterion is the one of ``--pruning`` (default: IRToP, the released criterion);
given several overlays, each is calibrated and the one whose schedule distorts the
outputs least is written. Writes a pruning overlay with the schedule
(``keep_schedule``, ``schedule_unit='tokens'``) and a header with the budget, the search
settings and the result; apply it with ``tools/test.py CONFIG CKPT --pruning OUT``.
Works for classification, detection and segmentation configs (``model.backbone``).
"""
import argparse
import os.path as osp

import torch

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from tpmm.analysis import calibrate_keep_schedule, overlay_text


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument('--target-flops-reduction', type=float,
                        help='share of the unpruned backbone FLOPs to remove, e.g. 0.3')
    budget.add_argument('--target-latency-ms', type=float,
                        help='backbone time per image to reach on --device, e.g. 25')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='where the model runs (and the latency is measured)')
    parser.add_argument('--pruning', nargs='+', default=['irtop_k0.5'],
                        help='overlays (files or names) whose criteria are calibrated '
                        '(their keep ratios are replaced); the least distorting one wins')
    parser.add_argument('--num-images', type=int, default=256)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--step', type=float, default=0.1,
                        help='a search step removes this share of a block\'s kept tokens')
    parser.add_argument('--min-keep', type=float, default=0.1,
                        help='no block keeps less than this share of its grid')
    parser.add_argument('--seed', type=int, default=0, help='picks the calibration images')
    parser.add_argument('--out', help='overlay to write (default: '
                        'WORK/calibrated_<config>_flops<target>.py next to the checkpoint)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    calibration = calibrate_keep_schedule(
        cfg, args.checkpoint, args.target_flops_reduction, args.pruning, args.num_images,
        args.batch_size, args.step, args.min_keep, args.seed,
        log=lambda line: print_log(line, 'current'),
        target_latency_ms=args.target_latency_ms, device=args.device)
    budget = (f'flops{args.target_flops_reduction:g}' if args.target_latency_ms is None
              else f'latency{args.target_latency_ms:g}ms')
    out = args.out or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)),
        f'calibrated_{osp.splitext(osp.basename(args.config))[0]}_{budget}.py')
    with open(out, 'w') as f:
        f.write(overlay_text(calibration, args.config, args.checkpoint,
                             args.target_flops_reduction, args.target_latency_ms, args.step,
                             args.min_keep, args.num_images, args.seed, args.device))
    result = calibration.result
    print_log(f'wrote {out}: criterion of {calibration.criterion}, '
              f'-{result.reduction:.1%} backbone FLOPs, kept tokens {result.kept_tokens} '
              f'of {result.grid_tokens}', 'current')
    return result, out


if __name__ == '__main__':
    main()
