"""Token pruning for spiking transformers: the backbone seam, scorers and pruners."""
from .base_pruner import BaseTokenPruner
from .builder import build_pruner
from .early_stop_pruner import EarlyStopTokenPruner
from .evit_pruner import EViTPruner
from .irtop import IRToP
from .no_prune import NoPrune
from .prunable_block import PrunableBlock
from .pruning_context import PruningContext, PruningRecord
from .scheduled_pruner import ScheduledTokenPruner, block_keep_ratio
from .schedules import REFERENCE_SCHEDULES, resolve_keep_schedule
from .scorers import (AttentionTokenScorer, BaseTokenScorer, CombinedTokenScorer,
                      FiringRateTokenScorer, RandomTokenScorer, SpatialTokenScorer,
                      TemporalTokenScorer, build_scorer)
from .shrinking_pruner import ShrinkingTokenPruner
from .stage_runner import run_prunable_stage
from .token_ops import gather_tokens, keep_count, scatter_tokens, top_k_indices
from .tome_pruner import ToMePruner, merge_tokens

__all__ = [
    'PrunableBlock', 'BaseTokenPruner', 'PruningContext', 'PruningRecord',
    'run_prunable_stage', 'NoPrune', 'build_pruner', 'gather_tokens', 'scatter_tokens',
    'keep_count', 'block_keep_ratio', 'top_k_indices', 'ScheduledTokenPruner',
    'EarlyStopTokenPruner', 'ShrinkingTokenPruner', 'IRToP', 'EViTPruner', 'ToMePruner',
    'merge_tokens',
    'REFERENCE_SCHEDULES', 'resolve_keep_schedule', 'BaseTokenScorer', 'build_scorer',
    'TemporalTokenScorer', 'SpatialTokenScorer', 'CombinedTokenScorer',
    'RandomTokenScorer', 'FiringRateTokenScorer', 'AttentionTokenScorer'
]
