"""ToMe-style token merging (bipartite soft matching) with unmerge on restore."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from tpmm.registry import MODELS
from .base_pruner import PruningContext, mix_block
from .scheduled_pruner import ScheduledTokenPruner


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
class ToMePruner(ScheduledTokenPruner):
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
    into. ``ctx.records`` gets, per pruned block, ``(index, [B, K])`` with the
    smallest grid position each current token stands for.

    Blocks with ``mix`` (ops that need neighbours): the pruner first unmerges to the
    full grid, runs ``mix`` on it, then re-applies the current merge (each merged
    token, and its side tensors, becomes the mean of its grid tokens' mixed values).

    Args:
        keep_ratio, keep_schedule, schedule_unit, start_block: see
            :class:`ScheduledTokenPruner`.
        num_blocks (int): number of prunable blocks (set by the backbone).
        prune_in_train (bool): prune in training mode too.
    """

    @staticmethod
    def unmerge(x: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, N]``: grid token ``n`` gets ``x[..., source[:, n]]``."""
        t, b, c, _ = x.shape
        return x.gather(-1, source[None, :, None].expand(t, b, c, source.shape[-1]))

    def mix(self, block: nn.Module, x: torch.Tensor, ctx: PruningContext,
            state: Optional[dict]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``mix`` on the unmerged grid, then the current merge again."""
        if state is None or getattr(block, 'mix', None) is None:
            return mix_block(block, x, ctx.hw)
        grid, side = mix_block(block, self.unmerge(x, state['source']), ctx.hw)
        source = state['source']
        ones = torch.ones_like(source)
        num = x.shape[-1]
        return (merge_tokens(grid, source, ones, num),
                {name: merge_tokens(v, source, ones, num) for name, v in side.items()})

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

    def run(self, index: int, block: nn.Module, x: torch.Tensor,
            ctx: PruningContext) -> torch.Tensor:
        """``x``: ``[T, B, C, N']`` -> ``[T, B, C, N'']`` (shrinks at pruned blocks)."""
        if not self.active:
            return self.run_block_full(block, x, ctx.hw)
        state = ctx.extra.get('tome')
        x, side = self.mix(block, x, ctx, state)
        target_count = self.keep_target(index, ctx.hw)
        n = x.shape[-1]
        r = 0 if target_count is None or n < 2 else min(n - target_count, (n + 1) // 2)
        if r <= 0:
            return self.run_tokenwise(block, x, side)
        if state is None:
            batch = x.shape[1]
            state = dict(source=torch.arange(n, device=x.device).expand(batch, n),
                         size=torch.ones(batch, n, dtype=torch.long, device=x.device))
        target, num_out = self.match(x, r)
        size = state['size']
        x = merge_tokens(x, target, size, num_out)
        side = {name: merge_tokens(v, target, size, num_out) for name, v in side.items()}
        source = target.gather(1, state['source'])
        state = dict(source=source,
                     size=size.new_zeros(size.shape[0], num_out).scatter_add(1, target, size))
        ctx.extra['tome'] = state
        grid_pos = torch.arange(source.shape[1], device=x.device).expand_as(source)
        representative = torch.full_like(state['size'], source.shape[1]).scatter_reduce(
            1, source, grid_pos, reduce='amin')
        ctx.records.append((index, representative))
        return self.run_tokenwise(block, x, side)

    def end(self, x: torch.Tensor, ctx: PruningContext) -> torch.Tensor:
        """``[T, B, C, K]`` -> full grid ``[T, B, C, N]`` (unmerge)."""
        state = ctx.extra.get('tome')
        if state is not None:
            x = self.unmerge(x, state['source'])
        return super().end(x, ctx)
