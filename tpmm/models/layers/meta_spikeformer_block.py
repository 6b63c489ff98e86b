"""Transformer block of Meta-SpikeFormer (SDT-V2), split for token pruning."""
from typing import Callable, Dict, Tuple

import torch
from torch import nn

from tpmm.pruning import PrunableBlock
from .ms_mlp import MSMLP
from .rep_conv_attention import RepConvSpikingAttention
from .token_cells import TokenCells, grid_positions


class MetaSpikeFormerBlock(PrunableBlock):
    """``x = x + RepConvAttention(x)``, ``x = x + MLP(x)`` on tokens ``[T, B, C, N]``.

    Prunable block (:class:`tpmm.pruning.PrunableBlock`):

    * :meth:`mix` (full grid): the attention's input neuron and its Q/K/V RepConvs,
      which have 3x3 parts; returns ``x`` unchanged and the side tensors ``q``, ``k``,
      ``v`` (pre-activations) and ``grid_pos`` (each token's grid row and column).
    * :meth:`tokenwise` (any tokens): Q/K/V neurons, linear attention over the given
      tokens, output RepConv, MLP, residuals. The output RepConv's 3x3 part runs over
      the given tokens at their ``grid_pos``: a token missing from the set counts as
      a silent neighbour (zero attention spikes), so with all tokens it is the plain
      block, and a skipped token contributes nothing, as it emits no spikes. Tokens
      whose position is not a whole grid cell of their own (merged tokens) see no
      neighbours.
    * :meth:`attention_received`: stateless estimate.

    Args:
        dim (int): channels ``C``.
        num_heads (int): attention heads.
        mlp_ratio (int): MLP hidden channels per channel.
        neuron (callable): builds a multi-step spiking neuron; takes ``v_threshold``.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int,
                 neuron: Callable[..., nn.Module]):
        super().__init__()
        self.attn = RepConvSpikingAttention(dim, num_heads, neuron)
        self.mlp = MSMLP(dim, mlp_ratio * dim, neuron)

    def mix(self, x: torch.Tensor,
            hw: Tuple[int, int]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``[T, B, C, N]`` -> ``(x, side)``, side tensors ``[T, B, C', N]``."""
        q, k, v = self.attn.qkv(x, hw)
        t, b = x.shape[:2]
        return x, dict(q=q, k=k, v=v, grid_pos=grid_positions(t, b, hw, x.device))

    def tokenwise(self, x: torch.Tensor, q: torch.Tensor, k: torch.Tensor,
                  v: torch.Tensor, grid_pos: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` with the side tensors of the same tokens -> ``[T, B, C, K]``."""
        x = x + self.attn(q, k, v, TokenCells(grid_pos))
        return x + self.mlp(x)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, N]`` -> ``[B, N]``, stateless."""
        return self.attn.attention_received(x)
