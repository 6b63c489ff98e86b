"""The block side of the pruning seam."""
from typing import Dict, Tuple

import torch
from torch import nn


class PrunableBlock(nn.Module):
    """A transformer block a token pruner can run on a subset of its tokens.

    Tokens are ``[T, B, C, N]`` (``N = H * W``, row-major grid). A subclass implements

    * :meth:`tokenwise` ``(x, **side) -> x``, ``[T, B, C, K]`` to ``[T, B, C, K]``: the
      part that treats tokens as a set (spiking attention + MLP with their residuals).
      It must accept any ``K`` and any token order.
    * optionally :meth:`mix` ``(x, hw) -> (x, side)``: operators that need neighbours
      (3x3 / depthwise convs), run on the full grid before selection. ``side`` holds
      extra per-token tensors ``[T, B, C', N]`` that are gathered with ``x`` and passed
      to ``tokenwise`` as keyword arguments. The default is ``(x, {})``.
    * optionally ``attention_received(x) -> [B, N]``: a stateless estimate of the
      attention each token receives, for attention-based scorers. ``x`` is the tensor
      ``tokenwise`` would see (after ``mix``); it must not advance neuron states.

    Unpruned, a block computes ``tokenwise(*mix(x, hw))`` (:meth:`forward_tokens`).
    """

    def mix(self, x: torch.Tensor,
            hw: Tuple[int, int]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """Full grid ``[T, B, C, N]`` -> ``(x [T, B, C, N], side)``; identity by default."""
        return x, {}

    def tokenwise(self, x: torch.Tensor, **side: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` (and the side tensors of the same tokens) -> ``[T, B, C, K]``."""
        raise NotImplementedError(f'{type(self).__name__} must implement tokenwise')

    @property
    def has_mix(self) -> bool:
        """Whether the block overrides :meth:`mix` (has operators across tokens)."""
        return type(self).mix is not PrunableBlock.mix

    def forward_tokens(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """The unpruned block on the full grid ``[T, B, C, N]``: ``mix`` then
        ``tokenwise``."""
        x, side = self.mix(x, hw)
        return self.tokenwise(x, **side)
