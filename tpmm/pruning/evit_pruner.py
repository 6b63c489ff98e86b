"""EViT-style token pruning: keep the top tokens, fuse the rest into one token."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from tpmm.registry import MODELS
from .prunable_block import PrunableBlock
from .pruning_context import PruningContext
from .scorers import AttentionTokenScorer, FiringRateTokenScorer, build_scorer
from .shrinking_pruner import ShrinkingTokenPruner
from .token_ops import gather_tokens, scatter_tokens


@MODELS.register_module()
class EViTPruner(ShrinkingTokenPruner):
    """Drop-and-fuse token pruning (EViT, Liang et al., ICLR 2022) on ``[T, B, C, N]``.

    At a pruned block the ``k`` best real tokens of each sample stay in the sequence;
    the others leave it and one *fused* token, the score-weighted average of every
    token dropped so far in the stage (the previous fused token counts with the total
    weight of its tokens), is appended at the end. The sequence shrinks to ``k + 1``
    and the following blocks run on it. ``k`` is the same for the whole batch, the
    selection differs per sample and is shared by all timesteps.

    Fusion weights are the scores clipped at 0 (plus a 1e-12 floor, so a group
    whose scores are all 0 fuses to its plain mean).

    ``end`` restores the full grid: kept tokens take their final value, dropped tokens
    the value they had when they were dropped; the fused token is discarded.

    Blocks with ``mix`` (ops that need neighbours): the pruner first restores the
    full grid (kept tokens' current values, dropped tokens' drop-time values), runs
    ``mix`` on it, then re-applies the current selection; the mixed values of dropped
    tokens are discarded (they stay frozen), and the fused token (and its side
    tensors) is recomputed from the mixed grid as the weighted average of the tokens
    it stands for.

    Scorers that need the grid (spatial, combined) score the restored grid; the
    others score the current sequence (fused token included, its score unused).

    Args:
        keep_ratio, keep_schedule, schedule_unit, start_block: see
            :class:`ScheduledTokenPruner`; block ``i`` keeps ``min(k_i, tokens left)``.
        scorer (dict, optional): token scorer config. ``None``: per block, the
            attention scorer if the block has ``attention_received``, else the
            firing-rate scorer.
        num_blocks (int): number of prunable blocks (set by the backbone).
        prune_in_train (bool): prune in training mode too.
    """

    fuse_floor = 1e-12

    def __init__(self,
                 keep_ratio: Optional[float] = None,
                 keep_schedule: Optional[Union[str, Sequence[float]]] = None,
                 schedule_unit: Optional[str] = None,
                 start_block: int = 0,
                 scorer: Optional[dict] = None,
                 num_blocks: int = 0,
                 prune_in_train: bool = True):
        super().__init__(keep_ratio=keep_ratio, keep_schedule=keep_schedule,
                         schedule_unit=schedule_unit, start_block=start_block,
                         num_blocks=num_blocks, prune_in_train=prune_in_train)
        self.scorer = None if scorer is None else build_scorer(scorer, key='scorer')
        self.attention_scorer = AttentionTokenScorer()
        self.firing_rate_scorer = FiringRateTokenScorer()

    def scorer_for(self, block: PrunableBlock) -> nn.Module:
        """The configured scorer, or the default one for ``block``."""
        if self.scorer is not None:
            return self.scorer
        if hasattr(block, 'attention_received'):
            return self.attention_scorer
        return self.firing_rate_scorer

    def restore(self, x: torch.Tensor, state: dict) -> torch.Tensor:
        """Current sequence ``[T, B, C, K(+1)]`` -> full grid ``[T, B, C, N]``."""
        positions = state['positions']
        return scatter_tokens(state['frozen'], positions, x[..., :positions.shape[1]])

    def reselect(self, grid: torch.Tensor, state: dict) -> torch.Tensor:
        """Grid ``[T, B, C', N]`` -> the kept tokens and the fused token recomputed
        from the grid, ``[T, B, C', K + 1]``."""
        return torch.cat([gather_tokens(grid, state['positions']),
                          self.fuse(grid, state['fuse_weight'])], dim=-1)

    def fuse(self, grid: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """Weighted average of ``grid`` (``[T, B, C, N]``) with ``weight`` ``[B, N]``
        -> ``[T, B, C, 1]``."""
        weight = weight.to(grid.dtype)
        total = weight.sum(dim=-1).clamp_min(self.fuse_floor)
        return ((grid * weight[None, :, None]).sum(dim=-1) / total[None, :, None]).unsqueeze(-1)

    def shrink(self, index: int, block: PrunableBlock, x: torch.Tensor,
               side: Dict[str, torch.Tensor], target: int, state: Optional[dict],
               ctx: PruningContext) -> Optional[Tuple[torch.Tensor, dict, dict]]:
        """Keep the ``target`` best real tokens, fuse the others into the fused token:
        ``[T, B, C, N']`` -> ``[T, B, C, target + 1]``."""
        num_real = ctx.num_tokens if state is None else state['positions'].shape[1]
        if target >= num_real:
            return None
        k = target
        fused_before = state is not None
        if state is None:
            batch = x.shape[1]
            positions = torch.arange(num_real, device=x.device).expand(batch, num_real)
            state = dict(positions=positions, frozen=x,
                         fuse_weight=x.new_zeros(batch, num_real, dtype=torch.float))
        scorer = self.scorer_for(block)
        with torch.no_grad():
            if scorer.needs_grid:
                scores = scorer(self.restore(x, state), ctx.hw, block)
                scores = scores.gather(1, state['positions'])
            else:
                scores = scorer(x, ctx.hw, block)[:, :num_real]
        order = scores.argsort(dim=-1, descending=True, stable=True)
        keep = order[:, :k].sort(dim=-1).values
        drop = order[:, k:]
        drop_positions = state['positions'].gather(1, drop)
        drop_weight = scores.gather(1, drop).clamp_min(0) + self.fuse_floor
        old_weight = state['fuse_weight']
        fuse_weight = old_weight.scatter(1, drop_positions, drop_weight)

        def select(seq: torch.Tensor) -> torch.Tensor:
            """Kept tokens of ``seq`` plus the new fused token."""
            real = seq[..., :num_real]
            dropped = gather_tokens(real, drop)
            w = drop_weight.to(seq.dtype)[None, :, None]
            fused_sum = (dropped * w).sum(dim=-1)
            fused_weight = drop_weight.sum(dim=-1)
            if fused_before:
                prev = old_weight.sum(dim=-1)
                fused_sum = fused_sum + seq[..., -1] * prev.to(seq.dtype)[None, :, None]
                fused_weight = fused_weight + prev
            fused = fused_sum / fused_weight.to(seq.dtype)[None, :, None]
            return torch.cat([gather_tokens(real, keep), fused.unsqueeze(-1)], dim=-1)

        frozen = scatter_tokens(state['frozen'], drop_positions,
                                gather_tokens(x[..., :num_real], drop))
        positions = state['positions'].gather(1, keep)
        ctx.record(index, positions)
        return (select(x), {name: select(value) for name, value in side.items()},
                dict(positions=positions, frozen=frozen, fuse_weight=fuse_weight))
