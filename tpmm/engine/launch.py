"""Command-line helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from torch import nn

from tpmm.registry import MODEL_WRAPPERS
from .pruning_overlay import apply_pruning_overlay, check_pruning_options, pruning_options


def add_common_args(parser: argparse.ArgumentParser, cfg_options_example: str) -> None:
    """Add the flags :func:`apply_common_args` applies (``--pruning``, ``--cfg-options``,
    ``--launcher``, ``--local-rank``); ``--work-dir`` is each tool's own."""
    parser.add_argument('--pruning', nargs='+', metavar='OVERLAY',
                        help='pruning overlay(s): files or names under '
                        'configs/_base_/pruning/, e.g. irtop_k0.7')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help=f'override config settings, e.g. {cfg_options_example}')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def apply_common_args(cfg: Config, args) -> Config:
    """Apply ``--pruning``, ``--launcher``, ``--cfg-options`` and ``--work-dir`` the
    way mmdet does (``--cfg-options`` last, so it can tune the overlay)."""
    cfg.launcher = args.launcher
    overlays = getattr(args, 'pruning', None) or []
    for overlay in overlays:
        apply_pruning_overlay(cfg, overlay)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        check_pruning_options(cfg, pruning_options(cfg, args.cfg_options), overlays)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for processes without CUDA (gloo).

    ``SyncBatchNorm`` only runs on CUDA, so its layers are reverted to ``BatchNorm``
    with mmengine's :func:`revert_sync_batchnorm` (each process then normalises its
    own batch), and the log says so.
    """

    def __init__(self, module: nn.Module, **kwargs):
        num_sync = sum(isinstance(m, nn.SyncBatchNorm) for m in module.modules())
        if num_sync:
            MMLogger.get_current_instance().warning(
                f'no CUDA: {num_sync} SyncBatchNorm layers reverted to BatchNorm '
                '(batch statistics are per process)')
            module = revert_sync_batchnorm(module)
        super().__init__(module=module, **kwargs)


def teardown_distributed() -> None:
    """Destroy the process group, if one was started, before the interpreter exits:
    gloo's threads left running at exit can abort a rank (``terminate called without
    an active exception``) after the work is done."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def setup_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work on a machine without CUDA.

    mmengine 0.10.7 calls ``torch.cuda.set_device`` and wraps the model in DDP with
    ``device_ids=[LOCAL_RANK]``; both fail on CPU, and so does ``SyncBatchNorm``.
    Without CUDA we start the gloo process group ourselves (the Runner then skips its
    own init) and wrap the model with :class:`CPUDistributedDataParallel`
    (``device_ids=None``).
    """
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                world_size=int(os.environ['WORLD_SIZE']))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    if wrapper.get('type', 'MMDistributedDataParallel') == 'MMDistributedDataParallel':
        wrapper['type'] = 'tpmm.CPUDistributedDataParallel'
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
