"""Transformer block of QKFormer."""
import torch
from spikingjelly.activation_based.layer.attention import (SpikingSelfAttention,
                                                           TokenQKAttention)

from tpmm.pruning import PrunableBlock
from .attention_received import (spiking_self_attention_received,
                                 token_qk_attention_received)
from .spikformer_mlp import SpikformerMLP


class QKFormerBlock(PrunableBlock):
    """Attention and spiking MLP, each with a residual. Prunable block: everything is
    token-wise.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): attention heads; must divide ``dim``.
        mlp_ratio (float): MLP hidden width / ``dim``.
        attention (str): ``'token_qk'``: token Q-K attention (spikingjelly's
            ``TokenQKAttention``, stages 1-2); ``'self'``: spiking self-attention
            (``SpikingSelfAttention``, stage 3).
    """

    attentions = ('token_qk', 'self')

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, attention: str):
        super().__init__()
        if attention not in self.attentions:
            raise ValueError(f'QKFormerBlock: attention must be one of {self.attentions}, '
                             f'got {attention!r}')
        self.attention = attention
        attn_cls = TokenQKAttention if attention == 'token_qk' else SpikingSelfAttention
        self.attn = attn_cls(dim, num_heads)
        self.mlp = SpikformerMLP(dim, int(dim * mlp_ratio), bias=True)

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` for any K and token order."""
        x = x + self.attn(x)
        return x + self.mlp(x)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Stateless ``[T, B, C, N]`` -> ``[B, N]``; see :mod:`.attention_received`."""
        if self.attention == 'token_qk':
            return token_qk_attention_received(self.attn, x)
        return spiking_self_attention_received(self.attn, x)
