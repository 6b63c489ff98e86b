"""Attention-based token scores, read from the block."""
from typing import Optional, Tuple

import torch
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


@MODELS.register_module()
class AttentionTokenScorer(BaseTokenScorer):
    """How much attention each token receives, as estimated by the block itself.

    Calls ``block.attention_received(x) -> [B, N]`` (see the prunable-block protocol
    in :class:`tpmm.pruning.PrunableBlock`); ``x`` is the tensor the block's
    ``tokenwise`` part would see, so IRToP scores it after ``mix`` (``needs_mixed``).
    """

    needs_mixed = True

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[B, N]``."""
        self.check_input(x, name=type(self).__name__)
        attention_received = getattr(block, 'attention_received', None)
        if attention_received is None:
            raise TypeError(f'AttentionTokenScorer needs a block with an '
                            f'attention_received(x) method; '
                            f'{type(block).__name__} has none')
        scores = attention_received(x)
        expected = (x.shape[1], x.shape[3])
        if tuple(scores.shape) != expected:
            raise ValueError(f'{type(block).__name__}.attention_received returned shape '
                             f'{tuple(scores.shape)}, expected [B, N] = {expected}')
        return scores.float()
