"""ToMe-style token merging (bipartite soft matching) with unmerge on restore."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from tpmm.registry import MODELS
from .prunable_block import PrunableBlock
from .pruning_context import PruningContext
from .shrinking_pruner import ShrinkingTokenPruner


def merge_tokens(x: torch.Tensor, target: torch.Tensor, size: torch.Tensor,
                 num_out: int) -> torch.Tensor:
    """Size-weighted average of the tokens of ``x`` that share a target.

    Args:
        x: ``[T, B, C, N]``.
        target: ``[B, N]``, index in ``[0, num_out)`` of the token each one joins.
        size: ``[B, N]``, how many grid tokens each token stands for.
        num_out: number of merged tokens.

    Returns:
        ``[T, B, C, num_out]``.
    """
    t, b, c, _ = x.shape
    weight = size.to(x.dtype)[None, :, None]
    idx = target[None, :, None].expand(t, b, c, target.shape[-1])
    total = x.new_zeros(t, b, c, num_out).scatter_add(-1, idx, x * weight)
    count = size.new_zeros(b, num_out).scatter_add(-1, target, size)
    return total / count.to(x.dtype)[None, :, None]


@MODELS.register_module()
class ToMePruner(ShrinkingTokenPruner):
    """Token merging (ToMe, Bolya et al., ICLR 2023) on ``[T, B, C, N]``.

    At a pruned block with target ``k`` and ``N'`` current tokens, ``r = N' - k``
    tokens are merged by bipartite soft matching: tokens are split alternately into
    sets A and B, each A token is matched to its most similar B token (cosine
    similarity of the time-mean features ``mean_t x``), and the ``r`` best-matched A
    tokens are merged into their partners (average weighted by how many grid tokens
    each one already stands for). One block merges at most the ``ceil(N'/2)`` A
    tokens; the rest of a larger step happens at the next pruned blocks (targets are
    fractions of the full grid, so they carry over). Parameterising by keep ratio
    lets an overlay match the token counts (FLOPs) of IRToP. ``r`` is the same for
    the batch, the matching differs per sample and is shared by all timesteps.

    ``end`` unmerges: every grid token takes the value of the token it was merged
    into. ``ctx.records`` gets, per pruned block, a :class:`PruningRecord` whose
    ``kept_index`` ``[B, K]`` is the smallest grid position each current token stands
    for.

    Blocks with ``mix`` (ops that need neighbours): the pruner first unmerges to the
    full grid, runs ``mix`` on it, then re-applies the current merge (each merged
    token, and its side tensors, becomes the mean of its grid tokens' mixed values).

    Args:
        keep_ratio, keep_schedule, schedule_unit, start_block: see
            :class:`ScheduledTokenPruner`.
        num_blocks (int): number of prunable blocks (set by the backbone).
        prune_in_train (bool): prune in training mode too.
    """

    def restore(self, x: torch.Tensor, state: dict) -> torch.Tensor:
        """Unmerge ``[T, B, C, K]`` -> ``[T, B, C, N]``: grid token ``n`` gets
        ``x[..., source[:, n]]``."""
        source = state['source']
        t, b, c, _ = x.shape
        return x.gather(-1, source[None, :, None].expand(t, b, c, source.shape[-1]))

    def reselect(self, grid: torch.Tensor, state: dict) -> torch.Tensor:
        """Grid ``[T, B, C', N]`` -> each merged token the mean of its grid tokens,
        ``[T, B, C', K]``."""
        source = state['source']
        return merge_tokens(grid, source, torch.ones_like(source), state['size'].shape[1])

    @staticmethod
    def match(x: torch.Tensor, r: int) -> Tuple[torch.Tensor, int]:
        """Bipartite soft matching of ``x`` (``[T, B, C, N']``) merging ``r`` tokens.

        Returns:
            ``(target [B, N'], N' - r)``: the new index of every current token.
        """
        n = x.shape[-1]
        feat = F.normalize(x.float().mean(dim=0), dim=1)  # [B, C, N']
        a, b = feat[..., 0::2], feat[..., 1::2]
        num_a = a.shape[-1]
        best_sim, best_b = torch.einsum('bca,bcd->bad', a, b).max(dim=-1)  # [B, Na]
        order = best_sim.argsort(dim=-1, descending=True, stable=True)
        merged_a, kept_a = order[:, :r], order[:, r:].sort(dim=-1).values
        num_kept_a = num_a - r
        batch = x.shape[1]
        target = torch.empty(batch, n, dtype=torch.long, device=x.device)
        a_pos = torch.arange(0, n, 2, device=x.device).expand(batch, num_a)
        b_pos = torch.arange(1, n, 2, device=x.device)
        target[:, b_pos] = num_kept_a + torch.arange(b_pos.numel(), device=x.device)
        target.scatter_(1, a_pos.gather(1, kept_a),
                        torch.arange(num_kept_a, device=x.device).expand(batch, num_kept_a))
        target.scatter_(1, a_pos.gather(1, merged_a),
                        num_kept_a + best_b.gather(1, merged_a))
        return target, n - r

    def shrink(self, index: int, block: PrunableBlock, x: torch.Tensor,
               side: Dict[str, torch.Tensor], target: int, state: Optional[dict],
               ctx: PruningContext) -> Optional[Tuple[torch.Tensor, dict, dict]]:
        """Merge ``r = min(N' - target, ceil(N' / 2))`` tokens: ``[T, B, C, N']`` ->
        ``[T, B, C, N' - r]``."""
        n = x.shape[-1]
        r = 0 if n < 2 else min(n - target, (n + 1) // 2)
        if r <= 0:
            return None
        if state is None:
            batch = x.shape[1]
            state = dict(source=torch.arange(n, device=x.device).expand(batch, n),
                         size=torch.ones(batch, n, dtype=torch.long, device=x.device))
        target_index, num_out = self.match(x, r)
        size = state['size']
        x = merge_tokens(x, target_index, size, num_out)
        side = {name: merge_tokens(v, target_index, size, num_out)
                for name, v in side.items()}
        source = target_index.gather(1, state['source'])
        size = size.new_zeros(size.shape[0], num_out).scatter_add(1, target_index, size)
        grid_pos = torch.arange(source.shape[1], device=x.device).expand_as(source)
        representative = torch.full_like(size, source.shape[1]).scatter_reduce(
            1, source, grid_pos, reduce='amin')
        ctx.record(index, representative)
        return x, side, dict(source=source, size=size)
