"""The pruning seam: the only interface between a backbone and token pruning.

A backbone drives every pruner the same way, once per stage of transformer blocks::

    ctx = self.pruner.begin(x, hw=(H, W))        # x: [T, B, C, N], N = H * W
    for block in stage_blocks:
        x = self.pruner.run(block_index, block, x, ctx)   # block_index counts
                                                          # all prunable blocks
    x = self.pruner.end(x, ctx)                  # [T, B, C, N] full grid again

``block`` follows the prunable-block protocol:

* ``block.tokenwise(x, **side) -> x`` with ``x`` of shape ``[T, B, C, K]``: the part of
  the block that treats tokens as a set (spiking attention + MLP with their residuals).
  It must accept any K and any token order.
* optional ``block.mix(x, hw) -> (x, side)``: operators that need neighbours (3x3 /
  depthwise convs), run on the full grid ``[T, B, C, N]`` before selection. ``side`` is
  a dict of extra per-token tensors ``[T, B, C', N]`` that are gathered with ``x`` and
  passed to ``tokenwise`` (e.g. Q/K/V pre-activations computed by a 3x3 conv).
* optional ``block.attention_received(x) -> [B, N]``: a stateless estimate of how much
  attention each token receives, for attention-based scorers. ``x`` is the tensor
  ``tokenwise`` would see (after ``mix``); the method must not advance neuron states
  (it runs before ``tokenwise``, without gradients).

Pruners never know which backbone they serve. ``NoPrune`` calls ``mix`` and
``tokenwise`` on everything, so an unpruned backbone pays nothing for the seam.
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import nn


class PruningContext:
    """State of one stage: the full token layout and what has been pruned so far.

    Attributes:
        hw: token grid ``(H, W)`` of the stage.
        num_tokens: ``N = H * W``.
        records: per pruned block, ``(block_index, kept_index [B, K])``; read by the
            visualization and analysis tools.
        extra: free slot for a pruner's own state (sticky masks, merge maps, ...).
    """

    def __init__(self, hw: Tuple[int, int]):
        self.hw = (int(hw[0]), int(hw[1]))
        self.num_tokens = self.hw[0] * self.hw[1]
        self.records = []
        self.extra = {}


class BaseTokenPruner(nn.Module):
    """Base class of token pruners.

    Args:
        num_blocks (int): number of prunable blocks of the backbone (set by the
            backbone when it builds its pruner); used to validate schedules.
        prune_in_train (bool): if False, the pruner is the identity while the model
            is in training mode (train unpruned, prune only at test time).
    """

    def __init__(self, num_blocks: int = 0, prune_in_train: bool = True):
        super().__init__()
        self.num_blocks = int(num_blocks)
        self.prune_in_train = prune_in_train
        self.last_records = []

    @property
    def active(self) -> bool:
        """Whether the pruner prunes in the current mode."""
        return self.prune_in_train or not self.training

    def begin(self, x: torch.Tensor, hw: Sequence[int]) -> PruningContext:
        """Start a stage. ``x``: ``[T, B, C, N]`` with ``N = H * W``."""
        if x.dim() != 4 or x.shape[-1] != hw[0] * hw[1]:
            raise ValueError(f'pruner.begin expects x of shape [T, B, C, H*W] with '
                             f'hw={tuple(hw)}, got {tuple(x.shape)}')
        return PruningContext(hw)

    def run(self, index: int, block: nn.Module, x: torch.Tensor,
            ctx: PruningContext) -> torch.Tensor:
        """Run prunable block number ``index`` on ``x`` (``[T, B, C, N']``)."""
        raise NotImplementedError

    def end(self, x: torch.Tensor, ctx: PruningContext) -> torch.Tensor:
        """Close a stage: return the full grid ``[T, B, C, N]``."""
        self.last_records.extend(ctx.records)
        return x

    def reset_records(self) -> None:
        """Forget the selections recorded by the previous forward."""
        self.last_records = []

    @staticmethod
    def run_block_full(block: nn.Module, x: torch.Tensor,
                       hw: Tuple[int, int]) -> torch.Tensor:
        """Run ``block`` on every token: ``mix`` (if any) then ``tokenwise``."""
        x, side = mix_block(block, x, hw)
        return BaseTokenPruner.run_tokenwise(block, x, side)

    @staticmethod
    def run_tokenwise(block: nn.Module, x: torch.Tensor,
                      side: Dict[str, torch.Tensor]) -> torch.Tensor:
        """``block.tokenwise`` on ``x`` (``[T, B, C, K]``), checking it keeps the shape."""
        out = block.tokenwise(x, **side)
        if out.shape != x.shape:
            raise ValueError(f'{type(block).__name__}.tokenwise returned shape '
                             f'{tuple(out.shape)} for an input of shape {tuple(x.shape)}; '
                             f'a prunable block must map [T, B, C, K] to [T, B, C, K]')
        return out


def mix_block(block: nn.Module, x: torch.Tensor,
              hw: Tuple[int, int]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """Apply ``block.mix`` if the block has one. Returns ``(x, side)``."""
    mix = getattr(block, 'mix', None)
    if mix is None:
        return x, {}
    out = mix(x, hw)
    if isinstance(out, tuple):
        return out
    return out, {}


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Select tokens per sample, the same for all T.

    Args:
        x: ``[T, B, C, N]``.
        index: ``[B, K]`` token indices.

    Returns:
        ``[T, B, C, K]``.
    """
    t, b, c, _ = x.shape
    idx = index[None, :, None, :].expand(t, b, c, index.shape[-1])
    return x.gather(-1, idx)


def scatter_tokens(full: torch.Tensor, index: torch.Tensor,
                   values: torch.Tensor) -> torch.Tensor:
    """Put ``values`` (``[T, B, C, K]``) back into a copy of ``full`` (``[T, B, C, N]``)
    at the per-sample positions ``index`` (``[B, K]``)."""
    t, b, c, _ = values.shape
    idx = index[None, :, None, :].expand(t, b, c, index.shape[-1])
    return full.scatter(-1, idx, values)


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


def block_keep_ratio(index: int, keep_ratio: Optional[float],
                     keep_schedule: Optional[Sequence[float]]) -> float:
    """Keep ratio of prunable block ``index``: from the schedule if given
    (blocks past its end are not pruned), else the single ``keep_ratio``."""
    if keep_schedule is not None:
        return float(keep_schedule[index]) if index < len(keep_schedule) else 1.0
    return 1.0 if keep_ratio is None else float(keep_ratio)


def top_k_indices(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` highest ``scores`` (``[B, N]``) per sample, ascending.

    The same set as ``torch.topk(scores, k)`` whenever the k-th and (k+1)-th scores
    differ. Among exactly equal scores the lower token index wins (a stable sort; the
    released code's ``torch.topk`` leaves that order unspecified), the same on every
    device.

    Returns:
        ``[B, k]`` long tensor.
    """
    order = scores.argsort(dim=-1, descending=True, stable=True)
    return order[:, :k].sort(dim=-1).values
