"""Build a backbone's pruner from its ``pruning=`` config."""
import copy
from typing import Optional

from tpmm.registry import MODELS
from .base_pruner import BaseTokenPruner


def registered_class(type_name, base: type, key: str) -> type:
    """The tpmm class named ``type_name`` (``'X'`` or ``'tpmm.X'``), a subclass of ``base``."""
    if isinstance(type_name, type):
        cls = type_name
    else:
        name = type_name
        if isinstance(name, str) and name.startswith('tpmm.'):
            name = name.split('.', 1)[1]
        cls = MODELS.get(name) if isinstance(name, str) else None
    if not isinstance(cls, type) or not issubclass(cls, base):
        names = sorted(n for n, c in MODELS.module_dict.items()
                       if isinstance(c, type) and issubclass(c, base))
        raise KeyError(f'{key}={type_name!r} is not a registered tpmm '
                       f'{base.__name__}; registered: {names}')
    return cls


def build_pruner(cfg: Optional[dict], num_blocks: int) -> BaseTokenPruner:
    """Build the pruner of a backbone with ``num_blocks`` prunable blocks.

    ``cfg=None`` gives :class:`NoPrune`. The type is looked up in the tpmm scope,
    whatever the default scope of the calling config (mmdet, mmseg or tpmm).
    """
    if cfg is None:
        cfg = dict(type='NoPrune')
    if isinstance(cfg, BaseTokenPruner):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f"pruning must be a dict with a 'type' key, got {cfg!r}")
    cfg = copy.deepcopy(dict(cfg))
    # mmengine's merge directive; it stays in when an overlay file is loaded on its own
    cfg.pop('_delete_', None)
    cfg['type'] = registered_class(cfg['type'], BaseTokenPruner, 'pruning.type')
    cfg['num_blocks'] = num_blocks
    return MODELS.build(cfg)
