"""Train (or fine-tune with pruning) a spiking classifier on cluttered digits.

    python projects/classification/train.py CONFIG [--work-dir DIR]
        [--pruning OVERLAY] [--finetune-from CKPT] [--epochs N] [--lr LR]
        [--cfg-options KEY=VALUE ...]

``--pruning`` sets ``model.backbone.pruning`` from an overlay (a file or a name under
``configs/_base_/pruning``); with ``--finetune-from`` the run starts from a trained
checkpoint (weights only), e.g. a brief IRToP fine-tune at one keep ratio.
Checkpoints and logs go to ``--work-dir`` (default ``work_dirs/cls_digits/<config>``).
"""
import argparse
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path[:0] = [REPO_ROOT, osp.join(REPO_ROOT, 'tools', 'analysis')]

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from analysis_common import overlay_pruning  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--work-dir')
    parser.add_argument('--pruning', help='pruning overlay for the backbone')
    parser.add_argument('--finetune-from', help='start from these weights')
    parser.add_argument('--epochs', type=int, help='override the number of epochs')
    parser.add_argument('--lr', type=float, help='override the learning rate')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def build_config(args) -> Config:
    """The config with the command-line overrides applied."""
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.pruning:
        cfg.model.backbone.pruning = overlay_pruning(args.pruning)[1]
    if args.epochs is not None:
        if args.epochs < 1:
            raise ValueError(f'--epochs must be >= 1, got {args.epochs}')
        cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = args.epochs
        cfg.default_hooks.checkpoint.interval = args.epochs
        for scheduler in cfg.param_scheduler:
            scheduler.end = scheduler.T_max = args.epochs
    if args.lr is not None:
        cfg.optim_wrapper.optimizer.lr = args.lr
    if args.finetune_from:
        if not osp.isfile(args.finetune_from):
            raise FileNotFoundError(f'--finetune-from: {args.finetune_from} not found')
        cfg.load_from = args.finetune_from
    cfg.work_dir = args.work_dir or osp.join(
        'work_dirs', 'cls_digits', osp.splitext(osp.basename(args.config))[0])
    return cfg


def main(argv=None):
    runner = Runner.from_cfg(build_config(parse_args(argv)))
    runner.train()
    return runner


if __name__ == '__main__':
    main()
