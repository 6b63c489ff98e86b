"""Base of the pruners that stop tokens early and reassemble the grid (IRToP)."""
from typing import Dict, Optional

import torch

from .prunable_block import PrunableBlock
from .pruning_context import PruningContext
from .scheduled_pruner import ScheduledTokenPruner
from .token_ops import gather_tokens, scatter_tokens


class EarlyStopTokenPruner(ScheduledTokenPruner):
    """At a pruned block ``mix`` runs on the full grid, ``tokenwise`` on the ``k``
    selected tokens of each sample, and the results are put back at their grid
    positions; the other tokens *stop early*: they leave the block with their
    post-``mix`` value. The layout never shrinks. Blocks with ratio 1.0 run unpruned.

    A subclass implements :meth:`select` only (which ``k`` tokens run); each pruned
    block adds a :class:`PruningRecord` with the kept index ``[B, k]``.
    """

    def prune(self, index: int, block: PrunableBlock, x: torch.Tensor,
              ctx: PruningContext) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[T, B, C, N]``."""
        k = self.keep_k(index, ctx)
        if k is None:
            return self.run_full(block, x, ctx.hw)
        mixed, side = block.mix(x, ctx.hw)
        kept = self.select(block, x, mixed, k, ctx)
        return self.run_selected(index, block, mixed, side, kept, ctx)

    def keep_k(self, index: int, ctx: PruningContext) -> Optional[int]:
        """Tokens block ``index`` runs on; ``None``: all of them (not pruned)."""
        target = self.keep_target(index, ctx.hw)
        return None if target is None or target == ctx.num_tokens else target

    def select(self, block: PrunableBlock, block_input: torch.Tensor, mixed: torch.Tensor,
               k: int, ctx: PruningContext) -> torch.Tensor:
        """Kept index ``[B, k]`` (any order) from the block input and the ``mix``
        output (both ``[T, B, C, N]``)."""
        raise NotImplementedError

    def run_selected(self, index: int, block: PrunableBlock, x: torch.Tensor,
                     side: Dict[str, torch.Tensor], kept: torch.Tensor,
                     ctx: PruningContext) -> torch.Tensor:
        """``tokenwise`` on the ``kept`` (``[B, K]``) tokens of the mixed grid ``x``
        (``[T, B, C, N]``, with its ``side`` tensors), the others unchanged; records
        the selection."""
        out = self.run_tokenwise(block, gather_tokens(x, kept),
                                 {name: gather_tokens(v, kept) for name, v in side.items()})
        ctx.record(index, kept)
        return scatter_tokens(x, kept, out)
