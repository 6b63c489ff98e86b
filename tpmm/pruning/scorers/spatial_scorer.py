"""Spatial token scorer of IRToP: tokens unlike their neighbourhood matter."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


@MODELS.register_module()
class SpatialTokenScorer(BaseTokenScorer):
    """Negative cosine similarity between a token and the mean of its neighbourhood.

    With ``x_bar = mean_t x`` on the ``H x W`` grid and ``Y`` a local mean of ``x_bar``
    over a ``k x k`` window, the raw score of a token is ``-cos(x_bar, Y)`` over
    channels (a token unlike its neighbours is informative), then a softmax over the
    N tokens.

    Args:
        kernel_size (int): odd window size ``k`` (3 by default; 7 for QKFormer).
        mode (str): how ``Y`` is computed.

            * ``'depthwise'`` (default): per-channel mean of the tokens inside the
              window (``avg_pool2d``, windows clipped at the border). The cosine is
              taken with a constant extra channel of value ``eps`` on both vectors,
              ``(x.y + eps^2) / (sqrt(|x|^2 + eps^2) sqrt(|y|^2 + eps^2))``: it equals
              the plain cosine for active tokens, and is deterministic when a token
              or its neighbourhood is silent. A silent token in a silent region is
              "like its neighbours" (cosine 1, lowest score); a silent token next to
              active ones scores about 0 (highest).
            * ``'reference'``: as the reference implementation, a convolution with a
              ``C x C`` all-ones ``k x k`` kernel divided by ``k^2`` (zero padding), so
              ``Y`` sums over all channels and is the same in every channel; cosine
              ``x.y / max(|x| |y|, eps)``. Then the score no longer depends on the
              neighbours' channels, and a silent token scores 0, the maximum for
              spike inputs, even inside a silent region.
        eps (float): see ``mode``.
    """

    needs_grid = True
    modes = ('depthwise', 'reference')

    def __init__(self, kernel_size: int = 3, mode: str = 'depthwise', eps: float = 1e-6):
        super().__init__()
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'SpatialTokenScorer kernel_size must be a positive odd '
                             f'integer, got kernel_size={kernel_size!r}')
        if mode not in self.modes:
            raise ValueError(f'SpatialTokenScorer mode must be one of {self.modes}, '
                             f'got mode={mode!r}')
        if not eps > 0:
            raise ValueError(f'SpatialTokenScorer eps must be > 0, got eps={eps!r}')
        self.kernel_size = kernel_size
        self.mode = mode
        self.eps = float(eps)

    def local_mean(self, x_bar: torch.Tensor) -> torch.Tensor:
        """``x_bar``: ``[B, C, H, W]`` -> neighbourhood mean ``Y`` ``[B, C, H, W]``."""
        k = self.kernel_size
        if self.mode == 'depthwise':
            return F.avg_pool2d(x_bar, k, stride=1, padding=k // 2,
                                count_include_pad=False)
        channels = x_bar.shape[1]
        weight = x_bar.new_ones(channels, channels, k, k) / (k * k)
        return F.conv2d(x_bar, weight, padding=k // 2)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, H*W]`` -> ``[B, H*W]`` (softmax over tokens)."""
        self.check_input(x, hw, name=type(self).__name__)
        _, b, c, n = x.shape
        x_bar = x.float().mean(dim=0)  # [B, C, N]
        y = self.local_mean(x_bar.reshape(b, c, hw[0], hw[1])).reshape(b, c, n)
        dot = (x_bar * y).sum(dim=1)
        sq_x = x_bar.pow(2).sum(dim=1)
        sq_y = y.pow(2).sum(dim=1)
        if self.mode == 'depthwise':
            eps2 = self.eps**2
            cos = (dot + eps2) / ((sq_x + eps2).sqrt() * (sq_y + eps2).sqrt())
        else:
            cos = dot / (sq_x.sqrt() * sq_y.sqrt()).clamp_min(self.eps)
        return (-cos).softmax(dim=-1)
