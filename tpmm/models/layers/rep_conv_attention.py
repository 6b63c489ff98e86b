"""Spike-driven self-attention with RepConv Q/K/V of Meta-SpikeFormer (SDT-V2)."""
from typing import Callable, Optional, Tuple

import torch
from torch import nn

from .linear_attention import multi_head_linear_attention
from .rep_conv import RepConv
from .stateless_estimates import (batch_norm_without_update, firing_estimate,
                                  linear_attention_received)
from .token_cells import TokenCells


class RepConvSpikingAttention(nn.Module):
    """``S = SN(x)``; ``Q, K, V = SN(BN(RepConv(S)))``;
    ``out = BN(RepConv(SN_0.5(scale * Q (K^T V))))`` (multi-head, no softmax).

    Split for token pruning: :meth:`qkv` computes the Q/K/V pre-activations on the full
    grid (RepConv has a 3x3 part); :meth:`forward` does the rest on any set of tokens,
    running the output RepConv's 3x3 part over the tokens present (see
    :meth:`RepConv.forward_tokens`).

    Args:
        dim (int): channels ``C``.
        num_heads (int): attention heads (divides ``C``).
        neuron (callable): builds a multi-step spiking neuron; takes ``v_threshold``.
        scale (float): attention scale (0.125 in Meta-SpikeFormer).
        attn_threshold (float): threshold of the neuron on the attention output.
    """

    def __init__(self, dim: int, num_heads: int, neuron: Callable[..., nn.Module],
                 scale: float = 0.125, attn_threshold: float = 0.5):
        super().__init__()
        self.num_heads = num_heads
        self.scale = scale
        self.head_neuron = neuron()
        self.q_conv, self.q_bn = RepConv(dim, dim), nn.BatchNorm2d(dim)
        self.k_conv, self.k_bn = RepConv(dim, dim), nn.BatchNorm2d(dim)
        self.v_conv, self.v_bn = RepConv(dim, dim), nn.BatchNorm2d(dim)
        self.q_neuron, self.k_neuron, self.v_neuron = neuron(), neuron(), neuron()
        self.attn_neuron = neuron(v_threshold=attn_threshold)
        self.proj_conv, self.proj_bn = RepConv(dim, dim), nn.BatchNorm2d(dim)

    def qkv(self, x: torch.Tensor, hw: Tuple[int, int]) -> Tuple[torch.Tensor, ...]:
        """Block input ``[T, B, C, N]`` on the ``hw`` grid -> Q, K, V pre-activations,
        each ``[T, B, C, N]``."""
        t, b, c, n = x.shape
        spikes = self.head_neuron(x).reshape(t * b, c, *hw)
        return tuple(bn(conv(spikes)).reshape(t, b, c, n)
                     for conv, bn in ((self.q_conv, self.q_bn), (self.k_conv, self.k_bn),
                                      (self.v_conv, self.v_bn)))

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                cells: Optional[TokenCells]) -> torch.Tensor:
        """Q, K, V pre-activations ``[T, B, C, K]`` and the tokens' grid cells ->
        attention output ``[T, B, C, K]``."""
        t, b, c, n = q.shape
        out = multi_head_linear_attention(self.q_neuron(q), self.k_neuron(k),
                                          self.v_neuron(v), self.num_heads, self.scale)
        out = self.proj_conv.forward_tokens(self.attn_neuron(out).flatten(0, 1), cells)
        return self.proj_bn(out.unsqueeze(-1)).reshape(t, b, c, n)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Block input ``[T, B, C, N]`` -> ``[B, N]`` share of attention each token
        receives, stateless: neurons fire as for one step from rest, the RepConvs see
        each token alone (the input may be any token set, not a grid)."""
        t, b, c, n = x.shape
        spikes = firing_estimate(self.head_neuron, x).flatten(0, 1)

        def estimate(conv: RepConv, bn: nn.BatchNorm2d, neuron: nn.Module) -> torch.Tensor:
            pre = conv.forward_tokens(spikes, None, update_stats=False).unsqueeze(-1)
            return firing_estimate(neuron, batch_norm_without_update(bn, pre)).reshape(x.shape)

        q = estimate(self.q_conv, self.q_bn, self.q_neuron)
        k = estimate(self.k_conv, self.k_bn, self.k_neuron)
        return linear_attention_received(q, k)
