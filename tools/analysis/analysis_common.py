"""Shared by the analysis tools: configs, pruning overlays, backbones, test images.

A *variant* is a named pruning config (``None`` = unpruned). Every tool builds one
backbone per variant from the same backbone config with the same weights, so the
variants differ only in their pruner.
"""
import copy
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope
from torch import nn

import tpmm  # noqa: F401  (registers backbones, pruners, scorers)
from tpmm.engine import (backbone_key, check_state_dict, checkpoint_state_dict,
                         load_overlay, pruning_variants, without_delete_keys)
from tpmm.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:  # configs under projects/ import ``projects.*`` modules
    sys.path.append(REPO_ROOT)
UNPRUNED = 'unpruned'
#: ImageNet statistics, the normalisation of every tpmm config.
IMAGE_MEAN = (123.675, 116.28, 103.53)
IMAGE_STD = (58.395, 57.12, 57.375)


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


def overlay_pruning(overlay: str) -> Tuple[str, dict]:
    """``(variant name, pruning dict)`` of a pruning overlay (a file or a name under
    ``configs/_base_/pruning``)."""
    name, pruning = load_overlay(overlay)
    return name, without_delete_keys(pruning)


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


def input_shape_for(long_side: int, aspect_hw: Sequence[int], stride: int) -> Tuple[int, int]:
    """``(H, W)`` with the long side ``long_side``, the aspect of ``aspect_hw``, both
    rounded to multiples of ``stride`` (at least ``stride``)."""
    h, w = aspect_hw
    scale = long_side / max(h, w)

    def snap(v):
        return max(stride, int(round(v * scale / stride)) * stride)

    return snap(h), snap(w)


def check_shape(shape: Sequence[int], stride: int, backbone_name: str) -> Tuple[int, int]:
    """Raise unless ``shape`` is two positive multiples of the backbone stride."""
    if len(shape) != 2 or any(int(s) <= 0 for s in shape):
        raise ValueError(f'--shape must be two positive integers H W, got {list(shape)}')
    h, w = int(shape[0]), int(shape[1])
    if h % stride or w % stride:
        raise ValueError(f'--shape {h} {w} is not a multiple of the stride {stride} of '
                         f'{backbone_name}')
    return h, w


def load_image(source: str, shape: Optional[Sequence[int]] = None) -> np.ndarray:
    """An RGB ``uint8`` image ``[H, W, 3]``: a file path, or the name of a
    ``skimage.data`` photo (``'astronaut'``, ``'coffee'``, ``'chelsea'``, ...);
    resized to ``shape`` ``(H, W)`` if given."""
    from skimage import color, data, io, transform, util
    if osp.isfile(source):
        image = io.imread(source)
    elif hasattr(data, source) and callable(getattr(data, source)):
        image = getattr(data, source)()
    else:
        raise FileNotFoundError(f'image {source!r} is neither a file nor a skimage.data '
                                f'image name')
    if image.ndim == 2:
        image = color.gray2rgb(image)
    image = image[..., :3]
    if shape is not None:
        image = transform.resize(image, tuple(shape), anti_aliasing=True)
    return util.img_as_ubyte(image)


def image_tensor(images: List[np.ndarray]) -> torch.Tensor:
    """RGB ``uint8`` images ``[H, W, 3]`` -> normalised batch ``[B, 3, H, W]``."""
    batch = torch.from_numpy(np.stack(images)).float().permute(0, 3, 1, 2)
    mean = torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD).view(1, 3, 1, 1)
    return (batch - mean) / std


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """Print a table (rich, mmengine's console library) and return its text."""
    from rich.console import Console
    from rich.table import Table
    table = Table(title=title)
    for header in headers:
        table.add_column(str(header), justify='right')
    for row in rows:
        table.add_row(*[format_cell(v) for v in row])
    console = Console(width=200)
    with console.capture() as capture:
        console.print(table)
    text = capture.get()
    print(text, end='')
    return text


def format_cell(value) -> str:
    """Short text for a table cell (floats with 4 significant digits)."""
    if isinstance(value, float):
        return f'{value:.4g}'
    return str(value)
