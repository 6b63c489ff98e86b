"""Base of the pruners whose token sequence shrinks (drop / merge) within a stage."""
from typing import Dict, Optional, Tuple

import torch

from .prunable_block import PrunableBlock
from .pruning_context import PruningContext
from .scheduled_pruner import ScheduledTokenPruner


class ShrinkingTokenPruner(ScheduledTokenPruner):
    """A pruner whose pruned blocks shrink the sequence ``[T, B, C, N']``; the following
    blocks run on the shorter sequence and :meth:`end` restores the full grid.

    The stage's shrink state (``ctx.extra['shrink']``, ``None`` before the first
    pruned block) says how the sequence maps to the grid. Blocks with ``mix`` (ops
    that need neighbours) run it on the restored grid, then the current sequence is
    taken from the mixed grid again (:meth:`reselect`). Blocks whose ratio is 1.0 run
    ``tokenwise`` on the current sequence.

    A subclass implements :meth:`shrink` (the pruned step), :meth:`restore` (sequence ->
    grid) and :meth:`reselect` (grid -> sequence).
    """

    def prune(self, index: int, block: PrunableBlock, x: torch.Tensor,
              ctx: PruningContext) -> torch.Tensor:
        """``x``: ``[T, B, C, N']`` -> ``[T, B, C, N'']`` (shrinks at pruned blocks)."""
        state = ctx.extra.get('shrink')
        x, side = self.mix(block, x, ctx, state)
        target = self.keep_target(index, ctx.hw)
        if target is not None:
            shrunk = self.shrink(index, block, x, side, target, state, ctx)
            if shrunk is not None:
                x, side, ctx.extra['shrink'] = shrunk
        return self.run_tokenwise(block, x, side)

    def mix(self, block: PrunableBlock, x: torch.Tensor, ctx: PruningContext,
            state: Optional[dict]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``block.mix`` on the full grid, then the current sequence (and side tensors)
        taken from the mixed grid."""
        if state is None or not block.has_mix:
            return block.mix(x, ctx.hw)
        grid, side = block.mix(self.restore(x, state), ctx.hw)
        return (self.reselect(grid, state),
                {name: self.reselect(value, state) for name, value in side.items()})

    def end(self, x: torch.Tensor, ctx: PruningContext) -> torch.Tensor:
        """``[T, B, C, N']`` -> full grid ``[T, B, C, N]``."""
        state = ctx.extra.get('shrink')
        if state is not None:
            x = self.restore(x, state)
        return super().end(x, ctx)

    def shrink(self, index: int, block: PrunableBlock, x: torch.Tensor,
               side: Dict[str, torch.Tensor], target: int, state: Optional[dict],
               ctx: PruningContext) -> Optional[Tuple[torch.Tensor, dict, dict]]:
        """Shrink the mixed sequence ``x`` (``[T, B, C, N']``, with ``side``) toward
        ``target`` tokens and record the block. Returns ``(x, side, state)``, or
        ``None`` when nothing is removed."""
        raise NotImplementedError

    def restore(self, x: torch.Tensor, state: dict) -> torch.Tensor:
        """Current sequence ``[T, B, C, N']`` -> full grid ``[T, B, C, N]``."""
        raise NotImplementedError

    def reselect(self, grid: torch.Tensor, state: dict) -> torch.Tensor:
        """Full grid ``[T, B, C', N]`` -> current sequence ``[T, B, C', N']``."""
        raise NotImplementedError
