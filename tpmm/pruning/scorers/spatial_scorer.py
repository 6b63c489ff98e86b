"""Spatial token scorer of IRToP: a token against the mean of its window."""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


def box_sum(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Sum of ``x`` (``[..., H, W]``) over each ``k x k`` window, zero padding.

    Two cumulative sums (one per axis), so the cost does not grow with ``k`` and is a
    few passes over ``x``: much faster on CPU than ``avg_pool2d`` or a convolution.
    """
    k, r = kernel_size, kernel_size // 2
    cumulative = F.pad(x, (r + 1, r)).cumsum(dim=-1)
    x = cumulative[..., k:] - cumulative[..., :-k]
    cumulative = F.pad(x, (0, 0, r + 1, r)).cumsum(dim=-2)
    return cumulative[..., k:, :] - cumulative[..., :-k, :]


def sum_over_time(x: torch.Tensor) -> torch.Tensor:
    """``[T, B, C, N]`` -> ``[B, C, N]``: ``x[0] + x[1] + ...`` added in time order
    (``x[0]`` itself, a view, when ``T = 1``). On CPU the same values as
    ``x.sum(dim=0)`` bit for bit for ``T <= 4`` (beyond, up to float rounding), and
    faster on token tensors (measured at B = 8, C >= 16, N >= 196): no copy at ``T = 1``,
    1.3-2.6x at ``T = 2 .. 4``."""
    if x.shape[0] == 1:
        return x[0]
    total = x[0] + x[1]
    for step in x[2:]:
        total += step
    return total


def window_mean(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """``x`` (``[B, 1, H, W]``) summed over each ``k x k`` window with zero padding,
    divided by ``k^2``: one ``avg_pool2d``, cheaper than :func:`box_sum`'s passes on a
    single channel."""
    return F.avg_pool2d(x, kernel_size, stride=1, padding=kernel_size // 2)


@MODELS.register_module()
class SpatialTokenScorer(BaseTokenScorer):
    """IRToP's spatial term: a token compared with the mean of its ``k x k`` window.

    With ``x_bar = mean_t x`` on the ``H x W`` grid and ``Y`` a local mean of ``x_bar``,
    the raw score of a token compares ``x_bar`` with ``Y`` over channels (``metric``),
    then a softmax over the N tokens gives the score.

    Args:
        kernel_size (int): odd window size ``k`` (3; the released QKFormer code uses 7).
        mode (str): how ``Y`` is computed.

            * ``'reference'`` (default): **the released TP-Spikformer code**
              (``LocalSpatialSimilarity``): ``Y = conv2d(x_bar, ones(C, C, k, k) / k^2)``
              with zero padding, i.e. the window sum of *all channels* divided by
              ``k^2``, the same value in every channel. The raw score is
              ``-F.cosine_similarity(x_bar, Y, dim=1, eps)``. Since ``Y`` is constant
              over channels, ``cos = sign(Y) * sum_c x_bar / (|x_bar| sqrt(C))``: the
              term measures how evenly a token's channels are active (and on which side
              of zero its window sum lies), not how unlike its neighbours it is; an
              all-zero token scores 0, the highest value for non-negative inputs.
              tpmm computes that closed form, with ``F.cosine_similarity``'s clamps:
              ``sum_c x_bar / max(|x_bar|, eps) * Y / max(|Y|, eps / sqrt(C)) /
              sqrt(C)``, the released value up to float rounding without the
              ``C``-channel convolution and norms. A token's window then enters
              only through the sign of ``Y``, so tokens with the same ``sum_c x_bar``,
              ``|x_bar|`` and sign of ``Y`` (``|Y| >= eps / sqrt(C)``) tie exactly and
              :func:`~tpmm.pruning.top_k_indices` keeps the lower index, where the
              released code's rounding orders them arbitrarily.
            * ``'depthwise'``: **the paper's text** (tpmm's ``irtop-paper-text``
              variant): ``Y`` is the per-channel mean of the token vectors inside the
              window (windows clipped at the border), so the cosine compares a token
              with its neighbours channel by channel. It is taken with a constant extra
              channel of value ``eps`` on both vectors, ``(x.y + eps^2) / (sqrt(|x|^2 +
              eps^2) sqrt(|y|^2 + eps^2))``: the plain cosine for active tokens, and
              deterministic when a token or its window is silent.
        metric (str): how ``x_bar`` and ``Y`` are compared.

            * ``'cosine'`` (default): raw score ``-cos`` as above.
            * ``'l2'`` (tpmm's ``irtop-l2`` variant; ``mode='depthwise'`` only): raw
              score ``|x_bar - Y|`` divided by the sample's mean token norm
              ``mean_n |x_bar_n|`` (scale-free). On non-negative spike features the
              cosine rewards silent tokens next to busy ones; the distance does not
              (``projects/classification/README.md``).
        eps (float): see ``mode`` and ``metric``.
    """

    needs_grid = True
    modes = ('reference', 'depthwise')
    metrics = ('cosine', 'l2')

    def __init__(self, kernel_size: int = 3, mode: str = 'reference',
                 metric: str = 'cosine', eps: float = 1e-6):
        super().__init__()
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'SpatialTokenScorer kernel_size must be a positive odd '
                             f'integer, got kernel_size={kernel_size!r}')
        if mode not in self.modes:
            raise ValueError(f'SpatialTokenScorer mode must be one of {self.modes}, '
                             f'got mode={mode!r}')
        if metric not in self.metrics:
            raise ValueError(f'SpatialTokenScorer metric must be one of {self.metrics}, '
                             f'got metric={metric!r}')
        if metric == 'l2' and mode != 'depthwise':
            raise ValueError(f"SpatialTokenScorer metric='l2' compares a token with its "
                             f"per-channel window mean: it needs mode='depthwise', got "
                             f"mode={mode!r}")
        if not eps > 0:
            raise ValueError(f'SpatialTokenScorer eps must be > 0, got eps={eps!r}')
        self.kernel_size = kernel_size
        self.mode = mode
        self.metric = metric
        self.eps = float(eps)

    def local_mean(self, x_bar: torch.Tensor) -> torch.Tensor:
        """``'depthwise'`` mode's ``Y``: ``x_bar`` (``[B, C, H, W]``) averaged per channel
        over each window clipped at the border (``[B, C, H, W]``). ``'reference'`` mode's
        ``Y`` is :func:`window_mean` of the channel sum, computed in :meth:`forward`."""
        k = self.kernel_size
        window_sizes = box_sum(x_bar.new_ones(x_bar.shape[-2:]), k)
        return box_sum(x_bar, k) / window_sizes

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, H*W]`` -> ``[B, H*W]`` (softmax over tokens)."""
        self.check_input(x, hw, name=type(self).__name__)
        t, b, c, n = x.shape
        if self.mode == 'reference':
            # F.cosine_similarity(x_bar, Y, dim=1, eps) with Y the same in every channel:
            # x_bar . Y = Y sum_c x_bar and |Y| = |Y| sqrt(C), each norm clamped to eps, so
            # cos = (sum_c x_bar / max(|x_bar|, eps)) (Y / max(|Y|, eps / sqrt(C))) / sqrt(C),
            # the second factor exactly sign(Y) unless |Y| is below eps / sqrt(C).
            # On time sums: T x_bar and T Y have the same cosine with eps scaled by T.
            time_sum = sum_over_time(x.float())  # [B, C, N]
            channel_sum = time_sum.sum(dim=1)  # [B, N]
            y = window_mean(channel_sum.reshape(b, 1, hw[0], hw[1]), self.kernel_size)
            y = y.reshape(b, n)  # Y, the local_mean of x_bar times T
            norm_x = (time_sum * time_sum).sum(dim=1).clamp_min_((t * self.eps)**2).sqrt_()
            sign_y = y / y.abs().clamp_min_(t * self.eps / math.sqrt(c))
            neg_cos = (channel_sum / norm_x).mul_(sign_y).mul_(-1 / math.sqrt(c))
            return neg_cos.softmax(dim=-1)
        x_bar = x.float().mean(dim=0)  # [B, C, N]
        y = self.local_mean(x_bar.reshape(b, c, hw[0], hw[1])).reshape(b, c, n)
        if self.metric == 'l2':
            distance = (x_bar - y).pow(2).sum(dim=1).sqrt()
            scale = x_bar.pow(2).sum(dim=1).sqrt().mean(dim=-1, keepdim=True)
            return (distance / (scale + self.eps)).softmax(dim=-1)
        dot = (x_bar * y).sum(dim=1)
        sq_x, sq_y = x_bar.pow(2).sum(dim=1), y.pow(2).sum(dim=1)
        eps2 = self.eps**2
        cos = (dot + eps2) / ((sq_x + eps2).sqrt() * (sq_y + eps2).sqrt())
        return (-cos).softmax(dim=-1)
