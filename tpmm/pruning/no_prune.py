"""The identity pruner: every block runs on every token."""
import torch

from tpmm.registry import MODELS
from .base_pruner import BaseTokenPruner
from .prunable_block import PrunableBlock
from .pruning_context import PruningContext


@MODELS.register_module()
class NoPrune(BaseTokenPruner):
    """Runs each block on all tokens; the backbone behaves exactly as unpruned."""

    def prune(self, index: int, block: PrunableBlock, x: torch.Tensor,
              ctx: PruningContext) -> torch.Tensor:
        return self.run_full(block, x, ctx.hw)
