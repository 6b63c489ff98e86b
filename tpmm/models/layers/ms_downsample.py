"""Spiking downsampling layer of the Meta-SpikeFormer family."""
from typing import Callable, Optional

import torch
from torch import nn


class MSDownsample(nn.Module):
    """``[neuron ->] conv (k x k, stride s, with bias) -> bn``.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int): conv kernel.
        stride (int): conv stride.
        padding (int): conv padding.
        neuron (callable, optional): builds the spiking neuron in front of the conv;
            ``None`` for the first layer, which reads the image directly.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 2, padding: int = 1,
                 neuron: Optional[Callable[..., nn.Module]] = None):
        super().__init__()
        self.neuron = neuron() if neuron is not None else None
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C_in, H, W]`` -> ``[T, B, C_out, H / s, W / s]``."""
        t, b = x.shape[:2]
        if self.neuron is not None:
            x = self.neuron(x)
        x = self.bn(self.conv(x.flatten(0, 1)))
        return x.reshape(t, b, *x.shape[1:])
