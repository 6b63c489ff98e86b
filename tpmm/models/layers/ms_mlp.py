"""Token-wise spiking MLP of the Meta-SpikeFormer family."""
from typing import Callable

import torch
from torch import nn


class MSMLP(nn.Module):
    """``SN -> fc1 (1x1 conv, with bias) -> bn -> SN -> fc2 -> bn`` on tokens.

    Args:
        dim (int): channels ``C``.
        hidden (int): hidden channels.
        neuron (callable): builds a multi-step spiking neuron.
    """

    def __init__(self, dim: int, hidden: int, neuron: Callable[..., nn.Module]):
        super().__init__()
        self.neuron1 = neuron()
        self.fc1_conv = nn.Conv1d(dim, hidden, 1)
        self.fc1_bn = nn.BatchNorm1d(hidden)
        self.neuron2 = neuron()
        self.fc2_conv = nn.Conv1d(hidden, dim, 1)
        self.fc2_bn = nn.BatchNorm1d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` (any K, any token order)."""
        t, b = x.shape[:2]
        h = self.fc1_bn(self.fc1_conv(self.neuron1(x).flatten(0, 1)))
        h = self.fc2_bn(self.fc2_conv(self.neuron2(h.reshape(t, b, *h.shape[1:])).flatten(0, 1)))
        return h.reshape(x.shape)
