"""Token operations of the pruners, on tokens ``[T, B, C, N]``.

A selection is an index ``[B, K]``: per sample, the same for every timestep.
"""
from typing import Tuple

import torch


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Select tokens per sample, the same for all T.

    Args:
        x: ``[T, B, C, N]``.
        index: ``[B, K]`` token indices.

    Returns:
        ``[T, B, C, K]``.
    """
    t, b, c, _ = x.shape
    return x.gather(-1, index[None, :, None, :].expand(t, b, c, index.shape[-1]))


def scatter_tokens(full: torch.Tensor, index: torch.Tensor,
                   values: torch.Tensor) -> torch.Tensor:
    """Put ``values`` (``[T, B, C, K]``) back into a copy of ``full`` (``[T, B, C, N]``)
    at the per-sample positions ``index`` (``[B, K]``)."""
    t, b, c, _ = values.shape
    return full.scatter(-1, index[None, :, None, :].expand(t, b, c, index.shape[-1]), values)


def keep_count(ratio: float, hw: Tuple[int, int], unit: str = 'tokens') -> int:
    """Number of tokens kept on an ``hw`` grid for a keep ``ratio``, rounded down as the
    released TP-Spikformer code does.

    ``unit='side'``: the ratio applies to the side lengths, ``int(ratio * H) *
    int(ratio * W)`` (the released ``k = int(H * k_value)``, ``k * k`` tokens, on square
    grids). ``unit='tokens'``: ``int(ratio * H * W)`` (the paper's text prunes
    ``ceil((1 - r) H W)`` tokens, i.e. keeps this many). Plain float products, no
    tolerance, so a ratio keeps exactly what ``int(H * r)`` gives in the released code.
    Always at least 1 token per side / in total.
    """
    h, w = hw
    if unit == 'side':
        k = max(1, int(ratio * h)) * max(1, int(ratio * w))
    else:
        k = max(1, int(ratio * h * w))
    return int(min(k, h * w))


#: up to this many scores (``B * N``) one stable sort is cheaper than ``topk`` plus the
#: tie pass (measured on CPU: the sort 1.5-3x faster at 1-2k scores, ``topk`` 1.5-2.5x
#: faster from 4k, whatever the batch)
FULL_SORT_MAX_SCORES = 3072


def top_k_indices(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` highest ``scores`` (``[B, N]``) per sample, ascending.

    The same set as ``torch.topk(scores, k)`` whenever the k-th and (k+1)-th scores
    differ. Among exactly equal scores the lower token index wins (as a stable sort;
    the released code's ``torch.topk`` leaves that order unspecified), the same on
    every device. A NaN score counts as ``+inf`` (features that overflowed still give
    valid indices).

    Up to :data:`FULL_SORT_MAX_SCORES` scores this is one stable sort. Above, the k-th
    highest score comes from ``torch.topk``; every token above it is kept and the
    tokens equal to it fill the remaining places in index order (linear passes, no
    host synchronisation).

    Returns:
        ``[B, k]`` long tensor.
    """
    b, n = scores.shape
    scores = scores.nan_to_num(nan=float('inf'), posinf=float('inf'), neginf=float('-inf'))
    if scores.numel() <= FULL_SORT_MAX_SCORES:
        order = scores.argsort(dim=-1, descending=True, stable=True)
        return order[:, :k].sort(dim=-1).values
    kth = scores.topk(k, dim=-1, sorted=False).values.amin(dim=-1, keepdim=True)
    above = scores > kth
    tied = scores == kth
    keep = above | (tied & (tied.cumsum(dim=-1) <= k - above.sum(dim=-1, keepdim=True)))
    # slot of each kept token among the kept ones (index order); the others go to slot k
    slot = torch.where(keep, keep.cumsum(dim=-1) - 1, k)
    positions = torch.arange(n, device=scores.device).expand(b, n)
    return positions.new_empty(b, k + 1).scatter_(1, slot, positions)[:, :k]
