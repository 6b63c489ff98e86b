"""Token-wise spiking MLP of Spikformer and QKFormer."""
import torch
from spikingjelly.activation_based import layer
from torch import nn

from .lif import lif


class SpikformerMLP(nn.Module):
    """Token-wise spiking MLP: (1x1 conv-BN-LIF) x 2, ``[T, B, C, K]`` -> ``[T, B, C, K]``.

    Args:
        dim (int): token channels ``C``.
        hidden_dim (int): hidden channels.
        bias (bool): conv biases (False in Spikformer, True in QKFormer).
    """

    def __init__(self, dim: int, hidden_dim: int, bias: bool = False):
        super().__init__()
        self.fc1 = layer.Conv1d(dim, hidden_dim, 1, bias=bias, step_mode='m')
        self.bn1 = layer.BatchNorm1d(hidden_dim, step_mode='m')
        self.lif1 = lif()
        self.fc2 = layer.Conv1d(hidden_dim, dim, 1, bias=bias, step_mode='m')
        self.bn2 = layer.BatchNorm1d(dim, step_mode='m')
        self.lif2 = lif()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lif1(self.bn1(self.fc1(x)))
        return self.lif2(self.bn2(self.fc2(x)))
