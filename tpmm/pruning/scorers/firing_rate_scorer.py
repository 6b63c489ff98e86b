"""Firing-rate token scores: busy tokens are kept."""
from typing import Optional, Tuple

import torch
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


@MODELS.register_module()
class FiringRateTokenScorer(BaseTokenScorer):
    """Mean spike rate of each token over time and channels: ``mean_{t,c} x``."""

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[B, N]``."""
        self.check_input(x, name=type(self).__name__)
        return x.float().mean(dim=(0, 2))
