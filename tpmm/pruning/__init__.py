"""Token pruning for spiking transformers: scorers, pruners and the backbone seam."""
from .base_pruner import (BaseTokenPruner, PruningContext, block_keep_ratio,
                          gather_tokens, keep_count, mix_block, scatter_tokens)
from .builder import build_pruner
from .no_prune import NoPrune

__all__ = [
    'BaseTokenPruner', 'PruningContext', 'NoPrune', 'build_pruner', 'gather_tokens',
    'scatter_tokens', 'keep_count', 'block_keep_ratio', 'mix_block'
]
