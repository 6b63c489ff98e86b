"""Command-line helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction  # noqa: F401  (re-exported for tools)


def apply_common_args(cfg: Config, args) -> Config:
    """Apply ``--launcher``, ``--cfg-options`` and ``--work-dir`` the way mmdet does."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg


def setup_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work on a machine without CUDA.

    mmengine 0.10.7 calls ``torch.cuda.set_device`` and wraps the model in DDP with
    ``device_ids=[LOCAL_RANK]``; both fail on CPU. Without CUDA we start the gloo
    process group ourselves (the Runner then skips its own init) and build the DDP
    wrapper with ``device_ids=None``.
    """
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                world_size=int(os.environ['WORLD_SIZE']))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
