"""Token pruning for spiking transformers: scorers, pruners and the backbone seam."""
from .base_pruner import (BaseTokenPruner, PruningContext, block_keep_ratio,
                          gather_tokens, keep_count, mix_block, scatter_tokens,
                          top_k_indices)
from .builder import build_pruner
from .evit_pruner import EViTPruner
from .irtop import IRToP
from .no_prune import NoPrune
from .scheduled_pruner import ScheduledTokenPruner
from .schedules import REFERENCE_SCHEDULES, resolve_keep_schedule
from .scorers import (AttentionTokenScorer, BaseTokenScorer, CombinedTokenScorer,
                      FiringRateTokenScorer, RandomTokenScorer, SpatialTokenScorer,
                      TemporalTokenScorer, build_scorer)
from .tome_pruner import ToMePruner, merge_tokens

__all__ = [
    'BaseTokenPruner', 'PruningContext', 'NoPrune', 'build_pruner', 'gather_tokens',
    'scatter_tokens', 'keep_count', 'block_keep_ratio', 'mix_block', 'top_k_indices',
    'ScheduledTokenPruner', 'IRToP', 'EViTPruner', 'ToMePruner', 'merge_tokens',
    'REFERENCE_SCHEDULES', 'resolve_keep_schedule', 'BaseTokenScorer', 'build_scorer',
    'TemporalTokenScorer', 'SpatialTokenScorer', 'CombinedTokenScorer',
    'RandomTokenScorer', 'FiringRateTokenScorer', 'AttentionTokenScorer'
]
