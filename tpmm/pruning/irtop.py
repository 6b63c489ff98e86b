"""IRToP: TP-Spikformer's token pruning by early stop and reassembly."""
from typing import Dict, Optional, Sequence, Union

import torch

from tpmm.registry import MODELS
from .early_stop_pruner import EarlyStopTokenPruner
from .prunable_block import PrunableBlock
from .pruning_context import PruningContext
from .scorers import build_scorer
from .token_ops import top_k_indices


@MODELS.register_module()
class IRToP(EarlyStopTokenPruner):
    """Early-stop token pruning with reassembly (TP-Spikformer).

    At every pruned block the scorer rates all tokens (of the block input, or of the
    tensor after ``mix``: ``score_on``), ``mix`` runs on the full grid, the top ``k``
    of each sample (``k`` the same for the batch, the selection the same for every
    timestep; see :func:`top_k_indices` for ties) go through ``tokenwise``, and the
    results are put back at their grid positions. Unselected tokens skip
    ``tokenwise``: they leave the block with their post-``mix`` value (their input
    value when the block has no ``mix``). The layout never shrinks, so the stage
    output is the full ``[T, B, C, N]`` grid. Each pruned block adds a
    :class:`PruningRecord` (kept index ``[B, k]``) to ``ctx.records``.

    The defaults are the released TP-Spikformer criterion: the temporal term plus the
    spatial term with the authors' all-channel ``3 x 3`` kernel
    (``SpatialTokenScorer(mode='reference')``), scored on the block input; the
    ``irtop_sdtv1`` / ``irtop_qkformer`` / ``irtop_sdtv3`` overlays add each paper
    backbone's schedule, window and terms.

    Without ``sticky``, blocks with ratio 1.0 (``keep_ratio=1.0``, before
    ``start_block``, past the end of the schedule) run unpruned, without scoring:
    ``keep_ratio=1.0`` gives exactly the unpruned output.

    ``sticky=True``: a token stopped at a block stays stopped for the rest of the
    stage; ``k`` is chosen among the still-active tokens. Ratios keep their meaning
    (fraction of the full grid): block ``i`` runs ``min(k_i, active)`` tokens. So a
    single ``keep_ratio`` stops tokens once, at the first pruned block; a decreasing
    schedule stops more at each step; a ratio of 1.0 (or an increasing schedule) does
    not bring stopped tokens back.

    Args:
        keep_ratio, keep_schedule, schedule_unit, start_block: see
            :class:`ScheduledTokenPruner`; the early stop and reassembly are
            :class:`EarlyStopTokenPruner`'s.
        scorer (dict): token scorer config; the released IRToP criterion by default.
        score_on (str, optional): the tensor the scorer rates. ``'input'``: the block
            input, before ``mix`` (the released code: SDT-V3 selects tokens before
            its SepConv runs on the full grid). ``'mixed'``: after ``mix``, the tensor
            ``tokenwise`` sees. ``None`` (default): ``'mixed'`` for scorers that read
            the block's own attention (``needs_mixed``), ``'input'`` otherwise. Blocks
            without ``mix`` give the same result either way.
        sticky (bool): stopped tokens stay stopped for the rest of the stage.
        num_blocks (int): number of prunable blocks (set by the backbone).
        prune_in_train (bool): prune in training mode too (gradients flow through the
            selected tokens, and through the identity path of the others).
    """

    score_places = ('input', 'mixed')

    def __init__(self,
                 keep_ratio: Optional[float] = None,
                 keep_schedule: Optional[Union[str, Sequence[float]]] = None,
                 schedule_unit: Optional[str] = None,
                 start_block: int = 0,
                 scorer: dict = dict(type='CombinedTokenScorer'),
                 score_on: Optional[str] = None,
                 sticky: bool = False,
                 num_blocks: int = 0,
                 prune_in_train: bool = True):
        super().__init__(keep_ratio=keep_ratio, keep_schedule=keep_schedule,
                         schedule_unit=schedule_unit, start_block=start_block,
                         num_blocks=num_blocks, prune_in_train=prune_in_train)
        self.scorer = build_scorer(scorer, key='scorer')
        if score_on is None:
            score_on = 'mixed' if self.scorer.needs_mixed else 'input'
        if score_on not in self.score_places:
            raise ValueError(f'IRToP score_on must be one of {self.score_places} or None, '
                             f'got score_on={score_on!r}')
        if score_on == 'input' and self.scorer.needs_mixed:
            raise ValueError(f"IRToP score_on='input' cannot be used with "
                             f'{type(self.scorer).__name__}: it reads the block on the '
                             f"tensor tokenwise sees; set score_on='mixed' (or None)")
        self.score_on = score_on
        self.sticky = bool(sticky)

    def keep_k(self, index: int, ctx: PruningContext) -> Optional[int]:
        """Tokens block ``index`` runs on (at most the still-active ones of a sticky
        stage); ``None``: all of them (not pruned)."""
        active = ctx.extra.get('active') if self.sticky else None
        if active is None:
            return super().keep_k(index, ctx)
        target = self.keep_target(index, ctx.hw)
        num_active = ctx.extra['active_count']
        k = num_active if target is None else min(target, num_active)
        return None if k == ctx.num_tokens else k

    def select(self, block: PrunableBlock, block_input: torch.Tensor, mixed: torch.Tensor,
               k: int, ctx: PruningContext) -> torch.Tensor:
        """Kept index ``[B, k]``: the top ``k`` scores of ``block_input`` or ``mixed``
        (``score_on``; ``[T, B, C, N]``), or the still-active tokens of a sticky stage
        when no more are to stop."""
        if self.sticky and k == ctx.extra.get('active_count'):
            return top_k_indices(ctx.extra['active'].float(), k)
        scored = block_input if self.score_on == 'input' else mixed
        return top_k_indices(self.score(scored, ctx, block), k)

    def run_selected(self, index: int, block: PrunableBlock, x: torch.Tensor,
                     side: Dict[str, torch.Tensor], kept: torch.Tensor,
                     ctx: PruningContext) -> torch.Tensor:
        """See :meth:`EarlyStopTokenPruner.run_selected`; a sticky stage also remembers
        the ``kept`` tokens as its active ones."""
        if self.sticky:
            ctx.extra['active'] = torch.zeros_like(x[0, :, 0], dtype=torch.bool).scatter(
                1, kept, True)
            ctx.extra['active_count'] = kept.shape[1]
        return super().run_selected(index, block, x, side, kept, ctx)

    def score(self, x: torch.Tensor, ctx: PruningContext, block: PrunableBlock) -> torch.Tensor:
        """Scores ``[B, N]`` of the tokens ``x`` (``[T, B, C, N]``); stopped tokens of a
        sticky stage get ``-inf``."""
        with torch.no_grad():
            scores = self.scorer(x, ctx.hw, block)
        active = ctx.extra.get('active') if self.sticky else None
        if active is not None:
            scores = scores.masked_fill(~active, float('-inf'))
        return scores
