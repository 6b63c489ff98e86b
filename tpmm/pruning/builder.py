"""Build a backbone's pruner from its ``pruning=`` config."""
import copy
from typing import Optional

from tpmm.registry import MODELS
from .base_pruner import BaseTokenPruner


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
    type_name = cfg['type']
    if isinstance(type_name, str):
        type_name = type_name.split('.', 1)[1] if type_name.startswith('tpmm.') else type_name
        pruner_cls = MODELS.get(type_name)
        if pruner_cls is None or not issubclass(pruner_cls, BaseTokenPruner):
            raise KeyError(f"pruning.type={cfg['type']!r} is not a registered tpmm "
                           f'token pruner')
        cfg['type'] = pruner_cls
    cfg['num_blocks'] = num_blocks
    return MODELS.build(cfg)
