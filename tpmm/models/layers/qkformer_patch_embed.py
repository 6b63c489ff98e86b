"""Patch embeddings of QKFormer: the stage-1 stem and the downsampling between stages."""
from typing import List

import torch
from spikingjelly.activation_based import layer
from torch import nn

from .lif import lif


def conv_bn(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> List[nn.Module]:
    """Multi-step conv (with bias, as in spikingjelly's zoo) and batch norm."""
    return [layer.Conv2d(c_in, c_out, kernel_size, stride=stride,
                         padding=kernel_size // 2, step_mode='m'),
            layer.BatchNorm2d(c_out, step_mode='m')]


def max_pool() -> layer.MaxPool2d:
    return layer.MaxPool2d(3, stride=2, padding=1, step_mode='m')


class QKFormerStemEmbed(nn.Module):
    """Stage-1 patch embedding, ``[T, B, C_in, H, W]`` -> spikes ``[T, B, C, H/4, W/4]``.

    conv-BN-pool-LIF to ``C/2`` (stride 2), then conv-BN-pool-LIF and conv-BN-LIF to
    ``C`` (stride 4), plus a strided 1x1 conv-BN-LIF shortcut from the first spikes.

    Args:
        in_channels (int): image channels.
        out_channels (int): ``C``, even.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        hidden = out_channels // 2
        self.conv1, self.bn1 = conv_bn(in_channels, hidden, 3)
        self.pool1, self.lif1 = max_pool(), lif()
        self.conv2, self.bn2 = conv_bn(hidden, out_channels, 3)
        self.pool2, self.lif2 = max_pool(), lif()
        self.conv3, self.bn3 = conv_bn(out_channels, out_channels, 3)
        self.lif3 = lif()
        self.shortcut = nn.Sequential(*conv_bn(hidden, out_channels, 1, stride=2), lif())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lif1(self.pool1(self.bn1(self.conv1(x))))
        identity = x
        x = self.lif2(self.pool2(self.bn2(self.conv2(x))))
        x = self.lif3(self.bn3(self.conv3(x)))
        return x + self.shortcut(identity)


class QKFormerDownsampleEmbed(nn.Module):
    """Patch embedding between stages, ``[T, B, C_in, H, W]`` -> ``[T, B, C, H/s, W/s]``:
    conv-BN-pool-LIF and conv-BN-LIF plus a strided 1x1 conv-BN-LIF shortcut.

    Args:
        in_channels (int): ``C_in``.
        out_channels (int): ``C``.
        stride (int): ``s``, 2 or 1 (no max-pool, a stride-1 shortcut; the same weights).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f'QKFormerDownsampleEmbed: stride must be 2 or 1, got '
                             f'stride={stride!r}')
        self.conv1, self.bn1 = conv_bn(in_channels, out_channels, 3)
        self.pool = max_pool() if stride == 2 else nn.Identity()
        self.lif1 = lif()
        self.conv2, self.bn2 = conv_bn(out_channels, out_channels, 3)
        self.lif2 = lif()
        self.shortcut = nn.Sequential(*conv_bn(in_channels, out_channels, 1, stride=stride),
                                      lif())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        x = self.lif1(self.pool(self.bn1(self.conv1(x))))
        x = self.lif2(self.bn2(self.conv2(x)))
        return x + self.shortcut(identity)
