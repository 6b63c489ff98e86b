"""Helpers for the stateless ``attention_received`` estimates of the prunable blocks.

A scorer calls ``attention_received`` before the block runs, so nothing may change
state: no spiking neuron is called (a neuron is replaced by its firing for one step
from rest, e.g. a Heaviside step at the threshold) and batch norms keep their running
statistics (training mode uses the batch statistics, as the real forward does).
"""
import torch
import torch.nn.functional as F
from torch import nn


def batch_norm_without_update(bn: nn.modules.batchnorm._BatchNorm,
                              x: torch.Tensor) -> torch.Tensor:
    """``bn(x)`` in ``bn``'s current mode, leaving its running statistics untouched."""
    if bn.training or not bn.track_running_stats:
        return F.batch_norm(x, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False,
                        0.0, bn.eps)


def firing_estimate(neuron: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What ``neuron`` would emit for input ``x`` on one step from rest, without calling
    it: its own ``firing_estimate`` if it has one (I-LIF), else a Heaviside step at its
    ``v_threshold``."""
    estimate = getattr(neuron, 'firing_estimate', None)
    if estimate is not None:
        return estimate(x)
    return (x >= neuron.v_threshold).to(x.dtype)


def linear_attention_received(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Attention mass per key token of a linear attention ``q (k^T v)``.

    Query ``i`` attends to key ``j`` with weight ``q_i . k_j`` (summed over heads), so
    token ``j`` receives ``k_j . sum_i q_i``.

    Args:
        q, k: estimated query / key spikes ``[T, B, C, N]``.

    Returns:
        ``[B, N]``: each token's share of all attention, mean over T (non-negative,
        sums to 1 over the tokens unless no token receives any).
    """
    received = (k * q.sum(-1, keepdim=True)).sum(2).mean(0)
    return received / received.sum(-1, keepdim=True).clamp_min(1e-12)
