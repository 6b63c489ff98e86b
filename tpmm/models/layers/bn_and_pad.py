"""Batch norm whose output is padded with the value a zero input normalizes to."""
import torch
from torch import nn


class BNAndPad(nn.Module):
    """``BatchNorm2d`` followed by a ``pad``-pixel border filled, per channel, with
    ``BN(0)`` (from the running statistics, without gradient).

    A conv without padding after it then sees exactly what it would see if the input of
    the batch norm had been zero-padded, which keeps :class:`RepConv` equivalent to a
    single zero-padded 3x3 conv.

    Args:
        num_features (int): channels ``C``.
        pad (int): border width in pixels.
    """

    def __init__(self, num_features: int, pad: int = 1):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features)
        self.pad = pad

    def pad_value(self) -> torch.Tensor:
        """``[C]``: what a zero input normalizes to (running statistics, detached)."""
        bn = self.bn
        scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
        return bn.bias.detach() - bn.running_mean * scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[M, C, H, W]`` -> ``[M, C, H + 2 pad, W + 2 pad]``."""
        out = self.bn(x)
        p = self.pad
        if p == 0:
            return out
        m, c, h, w = out.shape
        padded = torch.nn.functional.pad(out, [p] * 4)
        inside = torch.zeros(h + 2 * p, w + 2 * p, dtype=torch.bool, device=x.device)
        inside[p:p + h, p:p + w] = True
        return torch.where(inside, padded, self.pad_value().to(out.dtype).view(1, c, 1, 1))
