"""The pruner side of the pruning seam: the only interface between a backbone and
token pruning.

A backbone drives every pruner the same way, once per stage of prunable blocks
(:func:`~tpmm.pruning.stage_runner.run_prunable_stage`)::

    ctx = pruner.begin(x, hw=(H, W))             # x: [T, B, C, N], N = H * W
    for block in stage_blocks:
        x = pruner.run(block_index, block, x, ctx)   # block_index counts all
                                                     # prunable blocks
    x = pruner.end(x, ctx)                       # [T, B, C, N] full grid again

``block`` is a :class:`~tpmm.pruning.PrunableBlock`. Pruners never know which backbone
they serve. ``NoPrune`` calls ``mix`` and ``tokenwise`` on everything, so an unpruned
backbone pays nothing for the seam.
"""
from typing import Dict, Sequence, Tuple

import torch
from torch import nn

from .prunable_block import PrunableBlock
from .pruning_context import PruningContext


class BaseTokenPruner(nn.Module):
    """Base class of token pruners.

    :meth:`run` handles the inactive case (training mode with ``prune_in_train=False``:
    every block runs on every token) and calls :meth:`prune` otherwise, which a
    subclass implements. Each forward starts with :meth:`start_forward` (called by the
    backbone); the records of every stage end up in ``last_records``.

    Args:
        num_blocks (int): number of prunable blocks of the backbone (set by the
            backbone when it builds its pruner); used to validate schedules.
        prune_in_train (bool): if False, the pruner is the identity while the model
            is in training mode (train unpruned, prune only at test time).

    Attributes:
        last_records (list[PruningRecord]): the pruned blocks of the last forward.
        last_grids (dict[int, tuple[int, int]]): ``{block index: (H, W)}``, the token
            grid of every block the last forward ran, pruned or not.
    """

    def __init__(self, num_blocks: int = 0, prune_in_train: bool = True):
        super().__init__()
        self.num_blocks = int(num_blocks)
        self.prune_in_train = prune_in_train
        self.last_records = []
        self.last_grids = {}

    @property
    def active(self) -> bool:
        """Whether the pruner prunes in the current mode."""
        return self.prune_in_train or not self.training

    def start_forward(self) -> None:
        """Start of a backbone forward: forget the records of the previous one."""
        self.last_records = []
        self.last_grids = {}

    def begin(self, x: torch.Tensor, hw: Sequence[int]) -> PruningContext:
        """Start a stage. ``x``: ``[T, B, C, N]`` with ``N = H * W``."""
        if x.dim() != 4 or x.shape[-1] != hw[0] * hw[1]:
            raise ValueError(f'pruner.begin expects x of shape [T, B, C, H*W] with '
                             f'hw={tuple(hw)}, got {tuple(x.shape)}')
        return PruningContext(hw)

    def run(self, index: int, block: PrunableBlock, x: torch.Tensor,
            ctx: PruningContext) -> torch.Tensor:
        """Run prunable block number ``index`` on ``x`` (``[T, B, C, N']``)."""
        if not isinstance(block, PrunableBlock):
            raise TypeError(f'{type(self).__name__}.run needs a PrunableBlock (see '
                            f'tpmm.pruning.PrunableBlock), got {type(block).__name__}')
        self.last_grids[int(index)] = ctx.hw
        if not self.active:
            return self.run_full(block, x, ctx.hw)
        return self.prune(index, block, x, ctx)

    def prune(self, index: int, block: PrunableBlock, x: torch.Tensor,
              ctx: PruningContext) -> torch.Tensor:
        """The pruned run of block ``index`` (only called while :attr:`active`)."""
        raise NotImplementedError

    def end(self, x: torch.Tensor, ctx: PruningContext) -> torch.Tensor:
        """Close a stage: return the full grid ``[T, B, C, N]``."""
        self.last_records.extend(ctx.records)
        return x

    @classmethod
    def run_full(cls, block: PrunableBlock, x: torch.Tensor,
                 hw: Tuple[int, int]) -> torch.Tensor:
        """Run ``block`` on every token of the grid ``x``: ``mix`` then ``tokenwise``."""
        x, side = block.mix(x, hw)
        return cls.run_tokenwise(block, x, side)

    @staticmethod
    def run_tokenwise(block: PrunableBlock, x: torch.Tensor,
                      side: Dict[str, torch.Tensor]) -> torch.Tensor:
        """``block.tokenwise`` on ``x`` (``[T, B, C, K]``), checking it keeps the shape."""
        out = block.tokenwise(x, **side)
        if out.shape != x.shape:
            raise ValueError(f'{type(block).__name__}.tokenwise returned shape '
                             f'{tuple(out.shape)} for an input of shape {tuple(x.shape)}; '
                             f'a prunable block must map [T, B, C, K] to [T, B, C, K]')
        return out
