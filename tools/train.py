"""Train a model from an mmdet, mmseg, mmpretrain or tpmm config (mmdet's command line).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]] [--amp]
        [--pruning OVERLAY]
        [--cfg-options key=value ...] [--launcher none|pytorch]
"""
import argparse
import os

from mmengine.config import Config
from mmengine.device import get_device
from mmengine.runner import Runner

import tpmm  # noqa: F401  (registries, stack fixes)
from tpmm.datasets import check_data_config
from tpmm.engine import (add_common_args, apply_common_args, setup_cpu_distributed,
                         teardown_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a tpmm / mmdet / mmseg / mmpretrain model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision (needs a GPU)')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale the lr by batch size')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from PATH, or from the latest checkpoint in the work dir when '
        'given without a path')
    add_common_args(parser, 'model.backbone.T=2')
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = apply_common_args(Config.fromfile(args.config), args)

    if args.amp:
        if get_device() == 'cpu':
            raise RuntimeError('--amp needs a GPU: mmengine\'s AmpOptimWrapper does not '
                               'run on CPU; train without --amp')
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper != 'AmpOptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not os.path.isfile(args.resume):
            raise FileNotFoundError(f'--resume: checkpoint {args.resume} not found')
        cfg.resume = True
        cfg.load_from = args.resume

    check_data_config(cfg)  # clear errors for bad data paths before anything starts
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    teardown_distributed()


if __name__ == '__main__':
    main()
