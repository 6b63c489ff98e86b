"""Token scorers: ``scorer(x [T, B, C, N], hw, block=None) -> [B, N]``, higher = keep."""
from .attention_scorer import AttentionTokenScorer
from .base_scorer import BaseTokenScorer
from .builder import build_scorer
from .combined_scorer import CombinedTokenScorer
from .firing_rate_scorer import FiringRateTokenScorer
from .random_scorer import RandomTokenScorer
from .spatial_scorer import SpatialTokenScorer
from .temporal_scorer import TemporalTokenScorer

__all__ = [
    'BaseTokenScorer', 'build_scorer', 'TemporalTokenScorer', 'SpatialTokenScorer',
    'CombinedTokenScorer', 'RandomTokenScorer', 'FiringRateTokenScorer',
    'AttentionTokenScorer'
]
