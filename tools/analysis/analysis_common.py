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
from mmengine.runner import load_checkpoint
from torch import nn

import tpmm  # noqa: F401  (registers backbones, pruners, scorers)
from tpmm.engine import backbone_key
from tpmm.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:  # configs under projects/ import ``projects.*`` modules
    sys.path.append(REPO_ROOT)
PRUNING_OVERLAY_DIR = osp.join(REPO_ROOT, 'configs', '_base_', 'pruning')
UNPRUNED = 'unpruned'
#: ImageNet statistics, the normalisation of every tpmm config.
IMAGE_MEAN = (123.675, 116.28, 103.53)
IMAGE_STD = (58.395, 57.12, 57.375)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options`` style overrides."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file not found: {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def backbone_config(cfg: Config) -> dict:
    """The backbone config (``model.backbone``, or a tracker's
    ``model.detector.backbone``) as a plain dict; raises if there is none."""
    backbone = cfg
    for key in backbone_key(cfg).split('.'):
        backbone = backbone[key]
    return copy.deepcopy(backbone.to_dict() if isinstance(backbone, ConfigDict) else backbone)


def resolve_overlay_path(overlay: str) -> str:
    """A pruning overlay path, or a file name under ``configs/_base_/pruning``
    (with or without ``.py``)."""
    if osp.isfile(overlay):
        return overlay
    candidate = osp.join(PRUNING_OVERLAY_DIR, overlay if overlay.endswith('.py')
                         else overlay + '.py')
    if osp.isfile(candidate):
        return candidate
    raise FileNotFoundError(f'pruning overlay {overlay!r} is neither a file nor a name '
                            f'under {PRUNING_OVERLAY_DIR}')


def overlay_pruning(overlay: str) -> Tuple[str, dict]:
    """``(variant name, pruning dict)`` of a pruning overlay config.

    The overlay must set ``model.backbone.pruning`` (a dict with ``type``)."""
    path = resolve_overlay_path(overlay)
    cfg = Config.fromfile(path)
    try:
        pruning = cfg.model.backbone.pruning
    except AttributeError:
        raise KeyError(f'pruning overlay {path} does not set model.backbone.pruning')
    if not isinstance(pruning, dict) or 'type' not in pruning:
        raise KeyError(f"pruning overlay {path}: model.backbone.pruning must be a dict "
                       f"with a 'type' key, got {pruning!r}")
    name = osp.splitext(osp.basename(path))[0]
    return name, without_delete_keys(pruning.to_dict() if isinstance(pruning, ConfigDict)
                                     else dict(pruning))


def without_delete_keys(cfg):
    """A copy of a config dict without mmengine's ``_delete_`` merge markers."""
    if isinstance(cfg, dict):
        return {k: without_delete_keys(v) for k, v in cfg.items() if k != '_delete_'}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(without_delete_keys(v) for v in cfg)
    return copy.deepcopy(cfg)


def variants_from_overlays(overlays: Sequence[str]) -> 'OrderedDict[str, Optional[dict]]':
    """``{'unpruned': None, <overlay name>: pruning, ...}`` in the given order."""
    variants = OrderedDict([(UNPRUNED, None)])
    for overlay in overlays:
        name, pruning = overlay_pruning(overlay)
        if name in variants:
            raise ValueError(f'pruning overlay {overlay!r} given twice (variant {name!r})')
        variants[name] = pruning
    return variants


def build_backbone(backbone_cfg: dict, pruning: Optional[dict] = None,
                   checkpoint: Optional[str] = None) -> nn.Module:
    """Build a tpmm backbone with ``pruning`` (``None``: unpruned), in eval mode.

    ``checkpoint`` may hold a full model (keys ``backbone.*``) or a bare backbone.
    """
    cfg = copy.deepcopy(backbone_cfg)
    cfg['pruning'] = copy.deepcopy(pruning)
    cfg.pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope('tpmm'):  # whatever scope is current
        backbone = MODELS.build(cfg)
    if checkpoint is not None:
        load_checkpoint(backbone, checkpoint, map_location='cpu', strict=False,
                        revise_keys=[(r'^module\.', ''), (r'^(detector\.)?backbone\.', '')],
                        logger='silent')
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
