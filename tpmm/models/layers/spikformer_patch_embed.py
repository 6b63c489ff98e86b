"""Spiking patch splitting (SPS) of Spikformer."""
from collections import OrderedDict

import torch
from spikingjelly.activation_based import layer
from torch import nn

from .lif import lif


class SpikformerPatchEmbed(nn.Module):
    """Spiking patch splitting (SPS): ``[T, B, C_in, H, W]`` -> ``[T, B, C, H/s, W/s]``,
    ``s = stride``.

    Four 3x3 conv-BN-LIF stages with widths ``C/8, C/4, C/2, C``, each followed by a
    3x3 / stride-2 max-pool (the last one dropped at ``stride=8``; no weights change),
    then a relative position embedding (3x3 conv-BN-LIF) whose spikes are added to its
    input.

    Args:
        in_channels (int): image channels.
        embed_dims (int): ``C``, a multiple of 8.
        stem_pool (str): ``'after_spike'``: max-pool the spikes (ZK-Zhou/spikformer);
            ``'before_spike'``: max-pool the BN output, then the LIF (spikingjelly's
            model zoo). The weights are the same; the outputs differ.
        stride (int): 16 or 8.
    """

    def __init__(self, in_channels: int, embed_dims: int, stem_pool: str, stride: int = 16):
        super().__init__()
        if stride not in (8, 16):
            raise ValueError(f'SpikformerPatchEmbed: stride must be 16 or 8, got '
                             f'stride={stride!r}')
        widths = [embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        stages = []
        for index, (c_in, c_out) in enumerate(zip([in_channels] + widths[:-1], widths)):
            ops = [('conv', layer.Conv2d(c_in, c_out, 3, padding=1, bias=False, step_mode='m')),
                   ('bn', layer.BatchNorm2d(c_out, step_mode='m'))]
            pool = [('pool', layer.MaxPool2d(3, stride=2, padding=1, step_mode='m'))
                    ] if index < 3 or stride == 16 else []
            spike = [('lif', lif())]
            ops += spike + pool if stem_pool == 'after_spike' else pool + spike
            stages.append(nn.Sequential(OrderedDict(ops)))
        self.stages = nn.Sequential(*stages)
        self.rpe = nn.Sequential(OrderedDict([
            ('conv', layer.Conv2d(embed_dims, embed_dims, 3, padding=1, bias=False,
                                  step_mode='m')),
            ('bn', layer.BatchNorm2d(embed_dims, step_mode='m')),
            ('lif', lif())]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(x)
        return x + self.rpe(x)
