"""Spiking patch splitting of the Spike-driven Transformer V1."""
from collections import OrderedDict

import torch
from spikingjelly.activation_based import layer
from torch import nn

from .lif import lif


class SDTPatchEmbed(nn.Module):
    """Spiking patch splitting of SDT-V1: ``[T, B, C_in, H, W]`` -> membrane-potential
    tokens ``[T, B, C, H/s, W/s]``, ``s = stride``.

    Stages 0-2: 3x3 conv-BN-LIF then a 3x3 / stride-2 max-pool, widths ``C/8, C/4,
    C/2``; stage 3: 3x3 conv-BN, max-pool (no neuron). The output is stage 3's map plus
    a relative position embedding of its spikes (LIF, 3x3 conv-BN). ``stride=8`` drops
    stage 3's max-pool (no weights change).

    Args:
        in_channels (int): image channels.
        embed_dims (int): ``C``, a multiple of 8.
        stride (int): 16 or 8.
    """

    def __init__(self, in_channels: int, embed_dims: int, stride: int = 16):
        super().__init__()
        if stride not in (8, 16):
            raise ValueError(f'SDTPatchEmbed: stride must be 16 or 8, got stride={stride!r}')
        widths = [embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        stages = []
        for index, (c_in, c_out) in enumerate(zip([in_channels] + widths[:-1], widths)):
            ops = [('conv', layer.Conv2d(c_in, c_out, 3, padding=1, step_mode='m')),
                   ('bn', layer.BatchNorm2d(c_out, step_mode='m'))]
            if index < 3:
                ops.append(('lif', lif()))
            if index < 3 or stride == 16:
                ops.append(('pool', layer.MaxPool2d(3, stride=2, padding=1, step_mode='m')))
            stages.append(nn.Sequential(OrderedDict(ops)))
        self.stages = nn.Sequential(*stages)
        self.lif = lif()
        self.rpe = nn.Sequential(OrderedDict([
            ('conv', layer.Conv2d(embed_dims, embed_dims, 3, padding=1, bias=False,
                                  step_mode='m')),
            ('bn', layer.BatchNorm2d(embed_dims, step_mode='m'))]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(x)
        return x + self.rpe(self.lif(x))
