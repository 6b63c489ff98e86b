"""Build a token scorer from its config."""
import copy
from typing import Union

from ..builder import registered_class
from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


def build_scorer(cfg: Union[dict, BaseTokenScorer], key: str = 'scorer') -> BaseTokenScorer:
    """Build a token scorer from ``cfg`` (a dict with ``type``, or a scorer instance).

    ``key`` names the config entry in error messages (``'scorer'``,
    ``'scorer.spatial'``, ...).
    """
    if isinstance(cfg, BaseTokenScorer):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f"{key} must be a dict with a 'type' key, got {cfg!r}")
    cfg = copy.deepcopy(dict(cfg))
    cfg['type'] = registered_class(cfg['type'], BaseTokenScorer, f'{key}.type')
    return MODELS.build(cfg)
