"""Everything the one-stream tracker knows about a tpmm backbone, in one place.

A backbone is split into *stages*: per-grid operators (stems, conv stages, downsampling;
run on the template and on the search crop separately) followed by a stage of prunable
blocks (run jointly on ``[template; search]`` tokens through the backbone's pruner).

* single-scale backbones (``SDTV1``, ``Spikformer``): ``patch_embed``, then ``blocks``;
* Meta-SpikeFormer backbones (``SDTV2``, ``SDTV3``): ``stem_conv``, ``stem_block``,
  ``downsamples[0]``, ``stages[0]``, ``downsamples[1]``, ``stages[1]``,
  ``downsamples[2]``, then the prunable ``stages[2]``; ``downsamples[3]``, then the
  prunable ``stages[3]``.

Other backbones (e.g. QKFormer, whose token stages differ) are refused by name.
"""
from typing import List, Sequence, Tuple

import torch
from spikingjelly.activation_based import functional
from torch import nn

from tpmm.pruning import run_prunable_stage
from .template_joint_block import TemplateJointBlock, TemplateTokens

#: (per-grid modules, prunable blocks, backbone-wide index of the first block)
Stage = Tuple[Sequence[nn.Module], Sequence[nn.Module], int]


def tracker_stages(backbone: nn.Module) -> List[Stage]:
    """The stages of ``backbone`` (see the module docstring); the prunable blocks are
    the backbone's declared ``prunable_stages()``, which also number them."""
    if hasattr(backbone, 'patch_embed') and hasattr(backbone, 'blocks'):
        per_grid = [[backbone.patch_embed]]
    elif (all(hasattr(backbone, n) for n in ('stem_conv', 'stem_block', 'downsamples',
                                              'stages')) and len(backbone.stages) == 4):
        ds, st = backbone.downsamples, backbone.stages
        per_grid = [[backbone.stem_conv, backbone.stem_block, ds[0], *st[0], ds[1], *st[1],
                     ds[2]], [ds[3]]]
    else:
        per_grid = None
    if per_grid is not None:
        stages, first_index = [], 0
        for modules, blocks in zip(per_grid, backbone.prunable_stages(), strict=True):
            stages.append((modules, list(blocks), first_index))
            first_index += len(blocks)
        return stages
    raise TypeError(f'{type(backbone).__name__} cannot serve the one-stream tracker: '
                    'supported are single-scale backbones (SDTV1, Spikformer: patch_embed + '
                    'blocks) and Meta-SpikeFormer ones (SDTV2, SDTV3)')


def check_backbone(backbone: nn.Module) -> None:
    """Raise unless the tracker can split ``backbone`` into stages and it has a pruner."""
    tracker_stages(backbone)
    for name in ('pruner', 'T'):
        if not hasattr(backbone, name):
            raise TypeError(f'{type(backbone).__name__} has no {name!r}: not a tpmm '
                            'spiking backbone')


def run_per_grid(modules: Sequence[nn.Module], x: torch.Tensor) -> torch.Tensor:
    """``modules`` in turn on one grid ``[T, B, C, H, W]``, each from fresh neurons."""
    for module in modules:
        functional.reset_net(module)
        x = module(x)
    return x


def joint_forward(backbone: nn.Module, template: torch.Tensor,
                  search: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Template ``[T, B, 3, Hz, Wz]`` and search ``[T, B, 3, Hx, Wx]`` through the
    backbone: per-grid operators separately, prunable blocks jointly (pruning search
    tokens only).

    Returns:
        search features ``[T, B, C, hx, wx]`` of the last stage (full grid, stopped
        tokens restored) and the template features ``[T, B, C, hz, wz]``.
    """
    if template.shape[0] != backbone.T or search.shape[0] != backbone.T:
        raise ValueError(f'event frames have {search.shape[0]} time bins but the backbone '
                         f'runs T={backbone.T}; set the dataset num_bins to T')
    functional.reset_net(backbone)
    backbone.pruner.start_forward()
    z, x = template, search
    for grid_modules, blocks, first_index in tracker_stages(backbone):
        z = run_per_grid(grid_modules, z)
        x = run_per_grid(grid_modules, x)
        tokens = TemplateTokens(z.flatten(3), tuple(z.shape[-2:]))
        wrapped = [TemplateJointBlock(block, tokens) for block in blocks]
        x = run_prunable_stage(backbone.pruner, wrapped, x, first_index)
        z = tokens.tokens.reshape(z.shape)
    return x, z
