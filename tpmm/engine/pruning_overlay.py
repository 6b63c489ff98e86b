"""Pruning overlays (``configs/_base_/pruning/*.py``): the one resolver of every tool.

An overlay is given as a file or as a name under :data:`PRUNING_OVERLAY_DIR`
(``irtop_k0.7`` or ``irtop_k0.7.py``). ``--cfg-options <backbone>.pruning.*`` tune the
merged pruner; a key the pruner does not take is refused before anything is built.
"""
import copy
import inspect
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config, ConfigDict

from tpmm.registry import MODELS

PRUNING_OVERLAY_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', '_base_',
    'pruning')


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


def resolve_overlay(overlay: str) -> str:
    """The file of a pruning overlay given as a path or as a name under
    :data:`PRUNING_OVERLAY_DIR`."""
    if osp.isfile(overlay):
        return overlay
    candidate = osp.join(PRUNING_OVERLAY_DIR,
                         overlay if overlay.endswith('.py') else overlay + '.py')
    if osp.isfile(candidate):
        return candidate
    names = sorted(osp.splitext(f)[0] for f in os.listdir(PRUNING_OVERLAY_DIR)
                   if f.endswith('.py')) if osp.isdir(PRUNING_OVERLAY_DIR) else []
    raise FileNotFoundError(f'--pruning: overlay {overlay!r} is neither a file nor a name '
                            f'under {PRUNING_OVERLAY_DIR} ({", ".join(names)})')


def load_overlay(overlay: str) -> Tuple[str, dict]:
    """``(name, pruning dict)`` of a pruning overlay; it must set only
    ``model.backbone.pruning``, a dict with ``type``. The name is the file name
    without ``.py``."""
    path = resolve_overlay(overlay)
    overlay_cfg = Config.fromfile(path)
    backbone = overlay_cfg.get('model', {}).get('backbone', {})
    if set(overlay_cfg.keys()) != {'model'} or set(backbone.keys()) != {'pruning'}:
        raise ValueError(f'--pruning: {path} must set only model.backbone.pruning')
    pruning = backbone['pruning']
    if not isinstance(pruning, dict) or 'type' not in pruning:
        raise KeyError(f"--pruning: {path}: model.backbone.pruning must be a dict with a "
                       f"'type' key, got {pruning!r}")
    return osp.splitext(osp.basename(path))[0], pruning.to_dict()


def overlay_pruning(overlay: str) -> Tuple[str, dict]:
    """``(name, pruning dict)`` of a pruning overlay without ``_delete_`` markers: the
    pruner to build directly, e.g. ``MODELS.build(dict(backbone, pruning=...))``."""
    name, pruning = load_overlay(overlay)
    return name, without_delete_keys(pruning)


def apply_pruning_overlay(cfg: Config, overlay: str) -> Config:
    """Merge a pruning overlay into ``cfg``.

    mmengine refuses two ``_base_`` files that both define ``model``, so an overlay
    cannot sit beside a task config in ``_base_``; this merges it instead (its
    ``_delete_=True`` replaces the task's pruning settings). The overlay's
    ``model.backbone.pruning`` goes to :func:`backbone_key` (a tracker's
    ``model.detector.backbone``).
    """
    pruning = load_overlay(overlay)[1]
    cfg.merge_from_dict({f'{backbone_key(cfg)}.pruning': pruning})
    return cfg


def pruning_options(cfg: Config, cfg_options: Optional[dict]) -> Dict[str, object]:
    """The ``--cfg-options`` entries that set the backbone's pruning (none for a
    config without a backbone)."""
    try:
        prefix = backbone_key(cfg) + '.pruning'
    except KeyError:
        return {}
    return {k: v for k, v in (cfg_options or {}).items()
            if k == prefix or k.startswith(prefix + '.')}


def check_pruning_options(cfg: Config, options: Dict[str, object], overlays: List[str],
                          what: str = 'this run') -> None:
    """Refuse ``--cfg-options`` pruning keys that the pruner of ``cfg`` (of ``what``)
    does not take, such as ``keep_ratio`` for the default ``NoPrune``, naming the key;
    ``<backbone>.pruning.type`` chooses that pruner."""
    prefix = backbone_key(cfg) + '.pruning'
    pruning = backbone_pruning(cfg) or dict(type='NoPrune')
    pruner = pruning.get('type') if isinstance(pruning, dict) else None
    cls = MODELS.get(pruner.split('.', 1)[-1]) if isinstance(pruner, str) else pruner
    if not inspect.isclass(cls):
        return  # an unknown type is named when the backbone is built
    params = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    for key in options:
        arg = key[len(prefix) + 1:].split('.')[0]
        if arg and arg != 'type' and arg not in params:
            hint = ('add --pruning OVERLAY (e.g. --pruning irtop_k0.7) to choose a pruner, '
                    'then tune it with --cfg-options' if not overlays else
                    f'{cls.__name__} takes {", ".join(sorted(params))}')
            raise ValueError(f"--cfg-options {key}: the pruner of {what} is "
                             f"{cls.__name__}, which takes no {arg!r}; {hint}")


def backbone_pruning(cfg: Config) -> Optional[dict]:
    """The backbone's ``pruning`` dict of ``cfg`` (``None`` when unset), without
    mmengine's ``_delete_`` merge markers."""
    node = cfg
    for key in backbone_key(cfg).split('.'):
        node = node[key]
    return without_delete_keys(node.get('pruning'))


def without_delete_keys(cfg):
    """A plain copy of a config value without mmengine's ``_delete_`` merge markers."""
    if isinstance(cfg, ConfigDict):
        cfg = cfg.to_dict()
    if isinstance(cfg, dict):
        return {k: without_delete_keys(v) for k, v in cfg.items() if k != '_delete_'}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(without_delete_keys(v) for v in cfg)
    return copy.deepcopy(cfg)


def pruning_variants(cfg: Config, overlays: List[str],
                     cfg_options: Optional[dict] = None) -> Tuple[Config, Dict[str, dict]]:
    """Variants of the analysis tools, tuned exactly like ``tools/test.py`` does.

    Returns ``cfg`` with the ``--cfg-options`` that are not pruning keys merged, and
    ``{name: pruning dict}`` per overlay: ``cfg`` with the overlay, then the pruning
    ``--cfg-options``. A tuned variant is named ``<overlay>[key=value,...]``. Pruning
    keys without an overlay are refused (the analysis tools ignore the config's own
    pruner: their reference is the unpruned backbone).
    """
    options = pruning_options(cfg, cfg_options)
    if options and not overlays:
        raise ValueError(f'--cfg-options {", ".join(options)}: tunes the --pruning '
                         'overlays, and none was given; add --pruning OVERLAY '
                         '(e.g. --pruning irtop_k0.7)')
    cfg.merge_from_dict({k: v for k, v in (cfg_options or {}).items() if k not in options})
    suffix = ''
    if options:
        prefix = backbone_key(cfg) + '.pruning.'
        suffix = '[' + ','.join(f'{k[len(prefix):]}={v}' for k, v in options.items()) + ']'
    variants = {}
    for overlay in overlays:
        tuned = apply_pruning_overlay(copy.deepcopy(cfg), overlay)
        tuned.merge_from_dict(options)
        name = load_overlay(overlay)[0]
        check_pruning_options(tuned, options, overlays, f'overlay {name}')
        name += suffix
        if name in variants:
            raise ValueError(f'pruning overlay {overlay!r} given twice (variant {name!r})')
        variants[name] = backbone_pruning(tuned)
    return cfg, variants
