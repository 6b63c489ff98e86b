"""Variants of one backbone: the same weights, one pruner each.

A *variant* is a named pruning config (``None`` = unpruned). The analysis tools build
one backbone per variant from the same backbone config with the same weights, so the
variants differ only in their pruner.
"""
import copy
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope
from torch import nn

from tpmm.engine.checkpoint import check_state_dict, checkpoint_state_dict
from tpmm.engine.pruning_overlay import backbone_key, pruning_variants
from tpmm.registry import MODELS

UNPRUNED = 'unpruned'


def load_config(path: str, overlays: Sequence[str] = (), cfg_options: Optional[dict] = None
                ) -> Tuple[Config, 'OrderedDict[str, Optional[dict]]']:
    """A config with ``--cfg-options`` merged, and its variants ``{'unpruned': None,
    <overlay>: pruning, ...}``; pruning keys in ``cfg_options`` tune the overlays
    (:func:`tpmm.engine.pruning_variants`)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path}')
    cfg, pruned = pruning_variants(Config.fromfile(path), list(overlays), cfg_options)
    variants = OrderedDict([(UNPRUNED, None)])
    variants.update(pruned)
    return cfg, variants


def backbone_config(cfg: Config) -> dict:
    """The backbone config (``model.backbone``, or a tracker's
    ``model.detector.backbone``) as a plain dict; raises if there is none."""
    backbone = cfg
    for key in backbone_key(cfg).split('.'):
        backbone = backbone[key]
    return copy.deepcopy(backbone.to_dict() if isinstance(backbone, ConfigDict) else backbone)


def build_backbone(backbone_cfg: dict, pruning: Optional[dict] = None,
                   checkpoint: Optional[str] = None) -> nn.Module:
    """Build a tpmm backbone with ``pruning`` (``None``: unpruned), in eval mode.

    ``checkpoint`` may hold a full model (keys ``backbone.*``, a tracker's
    ``detector.backbone.*``) or a bare backbone; one that does not fit the backbone is
    refused, naming the keys.
    """
    cfg = copy.deepcopy(backbone_cfg)
    cfg['pruning'] = copy.deepcopy(pruning)
    cfg.pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope('tpmm'):  # whatever scope is current
        backbone = MODELS.build(cfg)
    if checkpoint is not None:
        state_dict = checkpoint_state_dict(checkpoint, prefix=r'(detector\.)?backbone\.')
        check_state_dict(backbone, state_dict, f'--checkpoint {checkpoint}')
        backbone.load_state_dict(state_dict, strict=False)  # the pruner's keys aside
    return backbone.eval()


def build_variant_backbones(backbone_cfg: dict,
                            variants: Dict[str, Optional[dict]],
                            checkpoint: Optional[str] = None,
                            device: Union[str, torch.device] = 'cpu',
                            seed: int = 0) -> 'OrderedDict[str, nn.Module]':
    """One backbone per variant, all with the weights of the first one.

    Weights are either loaded from ``checkpoint`` or drawn once with ``seed``; the
    pruner's own parameters (if any) are left as built.
    """
    backbones = OrderedDict()
    reference = None
    for name, pruning in variants.items():
        torch.manual_seed(seed)
        backbone = build_backbone(backbone_cfg, pruning,
                                  checkpoint if reference is None else None)
        if reference is not None:
            result = backbone.load_state_dict(reference, strict=False)
            stray = [k for k in list(result.missing_keys) + list(result.unexpected_keys)
                     if not k.startswith('pruner.')]
            if stray:
                raise RuntimeError(f'variant {name!r}: backbone weights differ from the '
                                   f'unpruned one outside the pruner: {stray[:5]}')
        else:
            reference = backbone.state_dict()
        backbones[name] = backbone.to(device)
    return backbones
