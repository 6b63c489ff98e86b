"""Everything the one-stream tracker knows about a tpmm backbone, in one place.

Supported: single-scale backbones (``SDTV1``, ``Spikformer``): a ``patch_embed`` stem
``[T, B, 3, H, W] -> [T, B, C, H/16, W/16]``, one stage of prunable ``blocks`` and the
backbone's ``pruner``. Multi-stage backbones (SDT-V2 / V3, QKFormer) downsample between
stages of blocks; they are refused with a clear error.
"""
from typing import Tuple

import torch
from spikingjelly.activation_based import functional
from torch import nn

from tpmm.models.layers import run_prunable_stage
from .template_joint_block import TemplateJointBlock, TemplateTokens

REQUIRED = ('patch_embed', 'blocks', 'pruner', 'T')


def check_backbone(backbone: nn.Module) -> None:
    """Raise unless ``backbone`` has a single-scale stem + prunable blocks + pruner."""
    missing = [name for name in REQUIRED if not hasattr(backbone, name)]
    if missing:
        raise TypeError(f'{type(backbone).__name__} cannot serve the one-stream tracker: it '
                        f'lacks {missing}; use a single-scale backbone (SDTV1, Spikformer)')


def embed(backbone: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Stem on ``[T, B, 3, H, W]`` event frames -> ``[T, B, C, h, w]`` (fresh neurons)."""
    if x.shape[0] != backbone.T:
        raise ValueError(f'event frames have {x.shape[0]} time bins but the backbone '
                         f'runs T={backbone.T}; set the dataset num_bins to T')
    functional.reset_net(backbone.patch_embed)
    return backbone.patch_embed(x)


def joint_forward(backbone: nn.Module, template: torch.Tensor,
                  search: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Template ``[T, B, 3, Hz, Wz]`` and search ``[T, B, 3, Hx, Wx]`` through the stem
    (separately) and the prunable blocks (jointly, pruning search tokens only).

    Returns:
        search features ``[T, B, C, hx, wx]`` (full grid, stopped tokens restored) and
        template tokens ``[T, B, C, hz * wz]``.
    """
    functional.reset_net(backbone)
    backbone.pruner.reset_records()
    z = embed(backbone, template)
    x = embed(backbone, search)
    tokens = TemplateTokens(z.flatten(3), tuple(z.shape[-2:]))
    blocks = [TemplateJointBlock(block, tokens) for block in backbone.blocks]
    x = run_prunable_stage(backbone.pruner, blocks, x, first_index=0)
    return x, tokens.tokens
