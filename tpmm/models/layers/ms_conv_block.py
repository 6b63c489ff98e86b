"""Conv-based spiking block of the Meta-SpikeFormer family (stages 1 and 2)."""
from typing import Callable

import torch
from torch import nn

from .sep_conv import SpikingSepConv


class MSConvBlock(nn.Module):
    """``x = x + SepConv(x)``, then a channel MLP of 3x3 convs with a residual:
    ``x = x + bn2(conv2(SN(bn1(conv1(SN(x))))))``, hidden ``mlp_ratio * C`` channels.

    Args:
        dim (int): channels ``C``.
        mlp_ratio (int): hidden channel multiplier of the 3x3 conv MLP.
        neuron (callable): builds a multi-step spiking neuron.
        spiking_dw (bool): the E-SpikeFormer separable conv, see :class:`SpikingSepConv`.
    """

    def __init__(self, dim: int, mlp_ratio: int, neuron: Callable[..., nn.Module],
                 spiking_dw: bool = False):
        super().__init__()
        hidden = mlp_ratio * dim
        self.sep_conv = SpikingSepConv(dim, neuron, kernel_size=7, spiking_dw=spiking_dw)
        self.neuron1 = neuron()
        self.conv1 = nn.Conv2d(dim, hidden, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.neuron2 = neuron()
        self.conv2 = nn.Conv2d(hidden, dim, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, C, H, W]``."""
        t, b = x.shape[:2]
        x = x + self.sep_conv(x)
        h = self.bn1(self.conv1(self.neuron1(x).flatten(0, 1)))
        h = self.bn2(self.conv2(self.neuron2(h.reshape(t, b, *h.shape[1:])).flatten(0, 1)))
        return x + h.reshape(x.shape)
