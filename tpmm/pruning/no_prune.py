"""The identity pruner: every block runs on every token."""
import torch
from torch import nn

from tpmm.registry import MODELS
from .base_pruner import BaseTokenPruner, PruningContext


@MODELS.register_module()
class NoPrune(BaseTokenPruner):
    """Runs each block on all tokens; the backbone behaves exactly as unpruned."""

    def run(self, index: int, block: nn.Module, x: torch.Tensor,
            ctx: PruningContext) -> torch.Tensor:
        return self.run_block_full(block, x, ctx.hw)
