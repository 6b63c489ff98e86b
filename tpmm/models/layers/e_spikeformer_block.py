"""Transformer block of E-SpikeFormer (SDT-V3), split for token pruning."""
from typing import Callable, Dict, Tuple

import torch
from torch import nn

from tpmm.pruning import PrunableBlock
from .linear_spiking_attention import LinearSpikingAttention
from .ms_mlp import MSMLP
from .sep_conv import SpikingSepConv


class ESpikeFormerBlock(PrunableBlock):
    """``x = x + SepConv(x)``, ``x = x + LinearAttention(x)``, ``x = x + MLP(x)`` on
    tokens ``[T, B, C, N]``.

    Prunable block (:class:`tpmm.pruning.PrunableBlock`):

    * :meth:`mix` (full grid): the separable conv branch (3x3 depthwise) with its
      residual; no side tensors.
    * :meth:`tokenwise` (any tokens): linear attention over the given tokens (all 1x1
      projections) and the MLP, with residuals.
    * :meth:`attention_received`: stateless estimate.

    Args:
        dim (int): channels ``C``.
        num_heads (int): attention heads.
        mlp_ratio (int): MLP hidden channels per channel.
        neuron (callable): builds a multi-step spiking neuron.
        value_ratio (int): attention value channels per channel.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int,
                 neuron: Callable[..., nn.Module], value_ratio: int = 4):
        super().__init__()
        self.sep_conv = SpikingSepConv(dim, neuron, kernel_size=3, spiking_dw=True)
        self.attn = LinearSpikingAttention(dim, num_heads, neuron, value_ratio)
        self.mlp = MSMLP(dim, mlp_ratio * dim, neuron)

    def mix(self, x: torch.Tensor,
            hw: Tuple[int, int]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``[T, B, C, N]`` -> ``(x + SepConv(x), {})``."""
        t, b, c, n = x.shape
        return x + self.sep_conv(x.reshape(t, b, c, *hw)).reshape(t, b, c, n), {}

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]``."""
        x = x + self.attn(x)
        return x + self.mlp(x)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, N]`` -> ``[B, N]``, stateless."""
        return self.attn.attention_received(x)
