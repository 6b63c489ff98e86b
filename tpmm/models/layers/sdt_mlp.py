"""Membrane-shortcut spiking MLP of the Spike-driven Transformer V1."""
import torch
from spikingjelly.activation_based import layer
from torch import nn

from .lif import lif


class SDTMLP(nn.Module):
    """Membrane-shortcut spiking MLP: ``x + BN(conv(LIF(BN(conv(LIF(x))))))``.

    1x1 convs on ``[T, B, C, K, 1]``. As in the reference code, a hidden width equal to
    ``dim`` adds an inner residual.

    Args:
        dim (int): token channels ``C``.
        hidden_dim (int): hidden channels.
    """

    def __init__(self, dim: int, hidden_dim: int):
        super().__init__()
        self.inner_residual = dim == hidden_dim
        self.lif1 = lif()
        self.fc1 = layer.Conv2d(dim, hidden_dim, 1, step_mode='m')
        self.bn1 = layer.BatchNorm2d(hidden_dim, step_mode='m')
        self.lif2 = lif()
        self.fc2 = layer.Conv2d(hidden_dim, dim, 1, step_mode='m')
        self.bn2 = layer.BatchNorm2d(dim, step_mode='m')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        x = self.bn1(self.fc1(self.lif1(x)))
        if self.inner_residual:
            x = x + identity
            identity = x
        return identity + self.bn2(self.fc2(self.lif2(x)))
