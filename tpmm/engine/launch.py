"""Command-line helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction  # noqa: F401  (re-exported for tools)


def backbone_key(cfg: Config) -> str:
    """Dotted key of the backbone to prune: ``model.backbone``, or
    ``model.detector.backbone`` for trackers that wrap a detector."""
    model = cfg.get('model') or {}
    if 'backbone' in model:
        return 'model.backbone'
    if 'backbone' in (model.get('detector') or {}):
        return 'model.detector.backbone'
    raise KeyError(f'config {cfg.filename} has neither model.backbone nor '
                   'model.detector.backbone')


def apply_pruning_overlay(cfg: Config, overlay: str) -> Config:
    """Merge a pruning overlay (``configs/_base_/pruning/*.py``) into ``cfg``.

    mmengine refuses two ``_base_`` files that both define ``model``, so an overlay
    cannot sit beside a task config in ``_base_``; this merges it instead (its
    ``_delete_=True`` replaces the task's pruning settings). The overlay's
    ``model.backbone.pruning`` goes to :func:`backbone_key` (a tracker's
    ``model.detector.backbone``).
    """
    if not osp.isfile(overlay):
        raise FileNotFoundError(f'--pruning: overlay {overlay} not found')
    overlay_cfg = Config.fromfile(overlay)
    backbone = overlay_cfg.get('model', {}).get('backbone', {})
    if set(overlay_cfg.keys()) != {'model'} or set(backbone.keys()) != {'pruning'}:
        raise ValueError(f'--pruning: {overlay} must set only model.backbone.pruning')
    cfg.merge_from_dict({f'{backbone_key(cfg)}.pruning': backbone['pruning'].to_dict()})
    return cfg


def apply_common_args(cfg: Config, args) -> Config:
    """Apply ``--pruning``, ``--launcher``, ``--cfg-options`` and ``--work-dir`` the
    way mmdet does (``--cfg-options`` last, so it can tune the overlay)."""
    cfg.launcher = args.launcher
    for overlay in getattr(args, 'pruning', None) or []:
        apply_pruning_overlay(cfg, overlay)
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
