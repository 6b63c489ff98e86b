"""Transformer block of the Spike-driven Transformer V1."""
import torch
from spikingjelly.activation_based.layer.attention import SpikeDrivenSelfAttention

from tpmm.pruning import PrunableBlock
from .attention_received import spike_driven_self_attention_received
from .sdt_mlp import SDTMLP


class SDTBlock(PrunableBlock):
    """Spike-driven self-attention (spikingjelly's ``SpikeDrivenSelfAttention``, which
    carries its own residual) and the MLP. Prunable block: everything is token-wise.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): attention heads; must divide ``dim``.
        mlp_ratio (float): MLP hidden width / ``dim``.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.attn = SpikeDrivenSelfAttention(dim, num_heads)
        self.mlp = SDTMLP(dim, int(dim * mlp_ratio))

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` for any K and token order (run as a
        ``K x 1`` map)."""
        x = x.unsqueeze(-1)
        return self.mlp(self.attn(x)).squeeze(-1)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Stateless ``[T, B, C, N]`` -> ``[B, N]``; see :mod:`.attention_received`."""
        return spike_driven_self_attention_received(self.attn, x)
