"""Spiking inverted separable convolution (MobileNetV2 style) of Meta-SpikeFormer."""
from typing import Callable

import torch
from torch import nn


class SpikingSepConv(nn.Module):
    """``neuron1 -> pwconv1 (1x1, C -> 2C) -> bn1 -> neuron2 -> dwconv (k x k depthwise)
    [-> dw_bn -> neuron3] -> pwconv2 (1x1, 2C -> C) -> bn2``; convs without bias.

    Meta-SpikeFormer (SDT-V2) uses the form without the bracket; E-SpikeFormer (SDT-V3)
    adds a batch norm and a neuron after the depthwise conv (``spiking_dw=True``).

    Args:
        dim (int): channels ``C``.
        neuron (callable): builds a multi-step spiking neuron.
        kernel_size (int): depthwise kernel (odd; padded to keep the size).
        expansion (int): hidden channels ``expansion * C``.
        spiking_dw (bool): add ``dw_bn`` and ``neuron3`` after the depthwise conv.
    """

    def __init__(self, dim: int, neuron: Callable[..., nn.Module], kernel_size: int = 7,
                 expansion: int = 2, spiking_dw: bool = False):
        super().__init__()
        hidden = expansion * dim
        self.neuron1 = neuron()
        self.pwconv1 = nn.Conv2d(dim, hidden, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden)
        self.neuron2 = neuron()
        self.dwconv = nn.Conv2d(hidden, hidden, kernel_size, padding=kernel_size // 2,
                                groups=hidden, bias=False)
        if spiking_dw:
            self.dw_bn = nn.BatchNorm2d(hidden)
            self.neuron3 = neuron()
        self.spiking_dw = spiking_dw
        self.pwconv2 = nn.Conv2d(hidden, dim, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, C, H, W]``."""
        t, b = x.shape[:2]
        x = self.bn1(self.pwconv1(self.neuron1(x).flatten(0, 1)))
        x = self.dwconv(self.neuron2(x.reshape(t, b, *x.shape[1:])).flatten(0, 1))
        if self.spiking_dw:
            x = self.neuron3(self.dw_bn(x).reshape(t, b, *x.shape[1:])).flatten(0, 1)
        x = self.bn2(self.pwconv2(x))
        return x.reshape(t, b, *x.shape[1:])
