"""Spike-driven linear attention of E-SpikeFormer (SDT-V3)."""
from typing import Callable

import torch
from torch import nn

from .linear_attention import multi_head_linear_attention
from .stateless_estimates import (batch_norm_without_update, firing_estimate,
                                  linear_attention_received)


class LinearSpikingAttention(nn.Module):
    """``S = SN(x)``; ``Q, K = SN(BN(W S))``, ``V = SN(BN(W_v S))`` with
    ``value_ratio * C`` channels; ``out = BN(W_o SN(scale * Q (K^T V)))``.

    Every projection is a 1x1 conv, so the whole module is token-wise: any K, any order.
    ``scale = 2 / sqrt(C / heads)`` as in the reference code, which forms ``(Q K^T) V``;
    the product is the same.

    Args:
        dim (int): channels ``C``.
        num_heads (int): attention heads (divides ``C``).
        neuron (callable): builds a multi-step spiking neuron.
        value_ratio (int): V (and attention output) channels per input channel.
    """

    def __init__(self, dim: int, num_heads: int, neuron: Callable[..., nn.Module],
                 value_ratio: int = 4):
        super().__init__()
        value_dim = value_ratio * dim
        self.num_heads = num_heads
        self.scale = 2 * (dim // num_heads) ** -0.5
        self.head_neuron = neuron()
        self.q_conv, self.q_bn = nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim)
        self.k_conv, self.k_bn = nn.Conv2d(dim, dim, 1, bias=False), nn.BatchNorm2d(dim)
        self.v_conv = nn.Conv2d(dim, value_dim, 1, bias=False)
        self.v_bn = nn.BatchNorm2d(value_dim)
        self.q_neuron, self.k_neuron, self.v_neuron = neuron(), neuron(), neuron()
        self.attn_neuron = neuron()
        self.proj_conv = nn.Conv2d(value_dim, dim, 1, bias=False)
        self.proj_bn = nn.BatchNorm2d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]``."""
        t, b, c, n = x.shape
        spikes = self.head_neuron(x).flatten(0, 1).unsqueeze(-1)  # [T * B, C, K, 1]

        def project(conv: nn.Conv2d, bn: nn.BatchNorm2d, neuron: nn.Module) -> torch.Tensor:
            pre = bn(conv(spikes))
            return neuron(pre.reshape(t, b, pre.shape[1], n))

        out = multi_head_linear_attention(project(self.q_conv, self.q_bn, self.q_neuron),
                                          project(self.k_conv, self.k_bn, self.k_neuron),
                                          project(self.v_conv, self.v_bn, self.v_neuron),
                                          self.num_heads, self.scale)
        out = self.attn_neuron(out).flatten(0, 1).unsqueeze(-1)
        return self.proj_bn(self.proj_conv(out)).reshape(t, b, c, n)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, N]`` -> ``[B, N]`` share of attention each token receives,
        stateless (neurons fire as for one step from rest; see :mod:`.stateless_estimates`)."""
        spikes = firing_estimate(self.head_neuron, x).flatten(0, 1).unsqueeze(-1)

        def estimate(conv: nn.Conv2d, bn: nn.BatchNorm2d, neuron: nn.Module) -> torch.Tensor:
            pre = batch_norm_without_update(bn, conv(spikes))
            return firing_estimate(neuron, pre).reshape(x.shape)

        q = estimate(self.q_conv, self.q_bn, self.q_neuron)
        k = estimate(self.k_conv, self.k_bn, self.k_neuron)
        return linear_attention_received(q, k)
