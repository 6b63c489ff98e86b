"""Prune to a budget: calibrate a per-block keep schedule for a backbone-FLOPs target.

    python tools/analysis/calibrate.py CONFIG CHECKPOINT --target-flops-reduction 0.3
        [--pruning OVERLAY] [--num-images 256] [--batch-size 16] [--step 0.1]
        [--min-keep 0.1] [--seed 0] [--out OVERLAY.py] [--cfg-options KEY=VALUE ...]

Takes ``--num-images`` images of the config's *train* split (never the evaluation
split), seeded, through the model's own data preprocessor, and runs
:class:`tpmm.evaluation.KeepScheduleCalibrator`: a greedy search that lowers, one step
at a time, the kept tokens of the prunable block whose step distorts the backbone's
outputs least per FLOP saved, with FLOPs counted on real pruned forwards, until the
backbone FLOPs are within 2 % of the target. The criterion is the one of ``--pruning``
(default: IRToP, the released criterion). Writes a pruning overlay with the schedule
(``keep_schedule``, ``schedule_unit='tokens'``) and a header with the budget, the search
settings and the result; apply it with ``tools/test.py CONFIG CKPT --pruning OUT``.
Works for classification, detection and segmentation configs (``model.backbone``).
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner

from tpmm.engine.checkpoint import check_state_dict, checkpoint_state_dict
from tpmm.engine.pruning_overlay import load_overlay, without_delete_keys
from tpmm.evaluation import KeepScheduleCalibrator


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--target-flops-reduction', type=float, required=True,
                        help='share of the unpruned backbone FLOPs to remove, e.g. 0.3')
    parser.add_argument('--pruning', default='irtop_k0.5',
                        help='overlay (file or name) whose criterion is calibrated; its '
                        'keep ratio is replaced')
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


def calibration_batches(cfg: Config, model, num_images: int, batch_size: int, seed: int):
    """Preprocessed inputs of ``num_images`` train images, in a seeded order."""
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


def overlay_text(result, pruning: dict, args, shape) -> str:
    """The calibrated overlay: a header comment and ``model.backbone.pruning``."""
    pruning = dict(pruning, keep_ratio=None, keep_schedule=result.keep_schedule,
                   schedule_unit='tokens')
    body = Config(dict(model=dict(backbone=dict(pruning=dict(_delete_=True, **pruning)))))
    header = [
        f'# Calibrated by tools/analysis/calibrate.py for {osp.basename(args.config)}',
        f'# checkpoint: {args.checkpoint}',
        f'# budget: -{args.target_flops_reduction:.1%} backbone FLOPs; reached '
        f'-{result.reduction:.1%} ({result.unpruned_flops / 1e9:.4f} -> '
        f'{result.flops / 1e9:.4f} GFLOPs per image at {shape[0]}x{shape[1]})',
        f'# search: greedy, step {args.step:g}, min keep {args.min_keep:g}, criterion of '
        f'{args.pruning}, {args.num_images} train images (seed {args.seed})',
        f'# proxy: mean relative backbone-output error {result.distortion:.4f}',
        f'# kept tokens per block: {result.kept_tokens} of {result.grid_tokens}',
    ]
    return '\n'.join(header) + '\n' + body.pretty_text


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'tpmm'))
    model = MODELS.build(cfg.model)
    state_dict = checkpoint_state_dict(args.checkpoint)
    check_state_dict(model, state_dict, args.checkpoint)
    model.load_state_dict(state_dict, strict=False)  # the pruner's keys may differ
    model.eval()
    backbone = getattr(model, 'backbone', None)
    if backbone is None or not hasattr(backbone, 'num_prunable_blocks'):
        raise TypeError(f'{args.config}: model.backbone is not a tpmm backbone with '
                        f'prunable blocks')
    pruning = without_delete_keys(load_overlay(args.pruning)[1])
    batches = calibration_batches(cfg, model, args.num_images, args.batch_size, args.seed)
    calibrator = KeepScheduleCalibrator(backbone, batches, pruning, step=args.step,
                                        min_keep=args.min_keep,
                                        log=lambda line: print_log(line, 'current'))
    result = calibrator.search(args.target_flops_reduction)
    out = args.out or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)),
        f'calibrated_{osp.splitext(osp.basename(args.config))[0]}'
        f'_flops{args.target_flops_reduction:g}.py')
    with open(out, 'w') as f:
        f.write(overlay_text(result, pruning, args, batches[0].shape[-2:]))
    print_log(f'wrote {out}: -{result.reduction:.1%} backbone FLOPs, kept tokens '
              f'{result.kept_tokens} of {result.grid_tokens}', 'current')
    return result, out


if __name__ == '__main__':
    main()
