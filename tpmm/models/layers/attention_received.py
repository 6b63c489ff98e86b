"""Stateless estimates of the attention each token receives, for spikingjelly's
attention layers (the ``attention_received`` part of the prunable-block protocol).

No spiking neuron is called (each is replaced by a Heaviside step at its threshold,
:func:`~tpmm.models.layers.firing_estimate`) and batch norms keep their running
statistics (:func:`~tpmm.models.layers.batch_norm_without_update`).

Every function takes the block input ``x`` ``[T, B, C, N]`` and returns ``[B, N]``,
the mean over T of each token's share of all attention (non-negative, sums to 1 over
the N tokens unless no token receives any).
"""
import torch
from spikingjelly.activation_based.layer.attention import (QKAttention,
                                                           SpikeDrivenSelfAttention,
                                                           SpikingSelfAttention)

from .stateless_estimates import (batch_norm_without_update, firing_estimate,
                                  linear_attention_received)


def spiking_self_attention_received(attn: SpikingSelfAttention,
                                    x: torch.Tensor) -> torch.Tensor:
    """SSA (Spikformer, QKFormer stage 3), ``(Q K^T) V``: token ``j`` receives
    ``sum_i q_i . k_j`` over all queries ``i`` (and heads)."""
    t, b, c, n = x.shape
    conv, bn = attn.qkv_conv_bn[0], attn.qkv_conv_bn[1]
    qkv = firing_estimate(attn.qkv_lif, batch_norm_without_update(bn, conv(x.flatten(0, 1))))
    q, k, _ = qkv.reshape(t, b, 3 * c, n).chunk(3, dim=2)
    return linear_attention_received(q, k)


def spike_driven_self_attention_received(attn: SpikeDrivenSelfAttention,
                                         x: torch.Tensor) -> torch.Tensor:
    """SDSA (SDT-V1): query ``i`` outputs ``q_i * SN(sum_j k_j * v_j)``, so token ``j``
    receives ``sum_i q_i . (k_j * v_j)``."""
    t, b = x.shape[:2]
    spikes = firing_estimate(attn.shortcut_lif, x).unsqueeze(-1)  # [T, B, C, N, 1]

    def project(conv, bn, neuron):
        pre = batch_norm_without_update(bn, conv(spikes).flatten(0, 1))
        return firing_estimate(neuron, pre).reshape(t, b, *pre.shape[1:-1])

    q = project(attn.q_conv, attn.q_bn, attn.q_lif)  # [T, B, C, N]
    k = project(attn.k_conv, attn.k_bn, attn.k_lif)
    v = project(attn.v_conv, attn.v_bn, attn.v_lif)
    return linear_attention_received(q, k * v)


def token_qk_attention_received(attn: QKAttention, x: torch.Tensor) -> torch.Tensor:
    """Token Q-K attention (QKFormer stages 1-2): the token mask is
    ``SN(sum_channels Q)`` per head, so token ``j`` receives its Q column sum (before
    the mask neuron), summed over heads."""
    if attn.qka_type != 'token':
        raise ValueError(f'token_qk_attention_received needs qka_type="token", got '
                         f'{attn.qka_type!r}')
    t, b, c, n = x.shape
    conv, bn = attn.qk_conv_bn[0], attn.qk_conv_bn[1]
    qk = firing_estimate(attn.qk_lif, batch_norm_without_update(bn, conv(x.flatten(0, 1))))
    received = qk.reshape(t, b, 2 * c, n)[:, :, :c].sum(2).mean(0)
    return received / received.sum(-1, keepdim=True).clamp_min(1e-12)
