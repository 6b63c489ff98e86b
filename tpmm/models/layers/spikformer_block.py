"""Transformer block of Spikformer."""
import torch
from spikingjelly.activation_based.layer.attention import SpikingSelfAttention

from tpmm.pruning import PrunableBlock
from .attention_received import spiking_self_attention_received
from .spikformer_mlp import SpikformerMLP


class SpikformerBlock(PrunableBlock):
    """Spiking self-attention (spikingjelly's ``SpikingSelfAttention``) and MLP, each
    with a residual. Prunable block: everything is token-wise.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): attention heads; must divide ``dim``.
        mlp_ratio (float): MLP hidden width / ``dim``.
        mlp_bias (bool): MLP conv biases.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0,
                 mlp_bias: bool = False):
        super().__init__()
        self.attn = SpikingSelfAttention(dim, num_heads)
        self.mlp = SpikformerMLP(dim, int(dim * mlp_ratio), bias=mlp_bias)

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` for any K and token order."""
        x = x + self.attn(x)
        return x + self.mlp(x)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Stateless ``[T, B, C, N]`` -> ``[B, N]``; see :mod:`.attention_received`."""
        return spiking_self_attention_received(self.attn, x)
