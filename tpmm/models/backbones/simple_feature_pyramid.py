"""ViTDet-style simple feature pyramid for single-scale spiking backbones."""
from typing import List

import torch
from torch import nn


class SimpleFeaturePyramid(nn.Module):
    """Turns one stride-16 map into strides 4 / 8 / 16 / 32.

    Stride 4: two 2x transposed convs; 8: one; 16: identity; 32: 2x2 max-pool. Applied
    per timestep, so ``[T, B, C, H, W]`` -> four ``[T, B, C_i, H_i, W_i]`` maps.

    Args:
        channels (int): channels of the stride-16 input.
        out_channels (Sequence[int]): channels of the four outputs; the default keeps
            ``channels`` at every level.
    """

    def __init__(self, channels: int, out_channels=None):
        super().__init__()
        out_channels = list(out_channels or [channels] * 4)
        c4, c8, c16, c32 = out_channels
        self.up4 = nn.Sequential(
            nn.ConvTranspose2d(channels, channels // 2, 2, stride=2),
            nn.BatchNorm2d(channels // 2), nn.GELU(),
            nn.ConvTranspose2d(channels // 2, c4, 2, stride=2))
        self.up8 = nn.ConvTranspose2d(channels, c8, 2, stride=2)
        self.same16 = nn.Identity() if c16 == channels else nn.Conv2d(channels, c16, 1)
        self.down32 = nn.Sequential(
            nn.MaxPool2d(2), nn.Identity() if c32 == channels else nn.Conv2d(channels, c32, 1))
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        t, b = x.shape[:2]
        flat = x.flatten(0, 1)
        outs = [self.up4(flat), self.up8(flat), self.same16(flat), self.down32(flat)]
        return [o.reshape(t, b, *o.shape[1:]) for o in outs]
