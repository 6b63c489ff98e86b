"""Temporal token scorer of IRToP: tokens whose activity changes over time matter."""
from typing import Optional, Tuple

import torch
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


@MODELS.register_module()
class TemporalTokenScorer(BaseTokenScorer):
    """Mean absolute change over time of a token's channel-mean activity.

    With ``m_t = mean_c x[t, :, c, :]`` (``[B, N]``), the raw score is
    ``mean_t |m_{t+1} - m_t|``, then a softmax over the N tokens.

    With ``T = 1`` there is no temporal change: every raw score is 0, so the output
    is uniform (``1 / N``) and a :class:`CombinedTokenScorer` ranks tokens by its
    spatial term alone.
    """

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[B, N]`` (softmax over N)."""
        self.check_input(x, name=type(self).__name__)
        t, _, c, _ = x.shape
        channel_sum = x.float().sum(dim=2)  # [T, B, N]: C * m_t
        if t > 1:
            raw = (channel_sum[1:] - channel_sum[:-1]).abs_().sum(dim=0).div_((t - 1) * c)
        else:
            raw = torch.zeros_like(channel_sum[0])
        return raw.softmax(dim=-1)
