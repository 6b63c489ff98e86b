"""Run a stage of prunable blocks through a backbone's token pruner."""
from typing import Sequence

import torch

from .base_pruner import BaseTokenPruner
from .prunable_block import PrunableBlock


def run_prunable_stage(pruner: BaseTokenPruner, blocks: Sequence[PrunableBlock],
                       x: torch.Tensor, first_index: int) -> torch.Tensor:
    """``[T, B, C, H, W]`` -> ``[T, B, C, H, W]``: the blocks on the tokens ``[T, B, C, N]``
    through the pruning seam (``begin``, ``run`` per block, ``end``), the full grid
    restored at the end. ``first_index`` is the backbone-wide index of ``blocks[0]``."""
    t, b, c, h, w = x.shape
    tokens = x.flatten(3)
    ctx = pruner.begin(tokens, (h, w))
    for offset, block in enumerate(blocks):
        tokens = pruner.run(first_index + offset, block, tokens, ctx)
    return pruner.end(tokens, ctx).reshape(t, b, c, h, w)
