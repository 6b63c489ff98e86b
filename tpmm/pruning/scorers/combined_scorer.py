"""The IRToP criterion: temporal change plus spatial dissimilarity."""
from typing import Optional, Tuple, Union

import torch
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer
from .builder import build_scorer


@MODELS.register_module()
class CombinedTokenScorer(BaseTokenScorer):
    """``temporal_weight * temporal(x) + spatial_weight * spatial(x)``.

    The sub-scorers return softmax-normalised scores (``[B, N]``, summing to 1 over
    the tokens), so the two terms live on the same scale. With the defaults (temporal
    term + ``SpatialTokenScorer(mode='reference')``, equal weights) this is the
    released TP-Spikformer criterion, ``temporal + spatial``: equal weights of 0.5
    scale the sum by an exact power of two, so the ranking is bit-for-bit the same.
    With ``T = 1`` the temporal term is uniform and the ranking is the spatial one.

    Args:
        temporal (dict): config of the temporal scorer.
        spatial (dict): config of the spatial scorer (``kernel_size=7`` for QKFormer).
        temporal_weight (float): weight ``w_t >= 0`` of the temporal term.
        spatial_weight (float): weight ``w_s >= 0`` of the spatial term.
    """

    needs_grid = True

    def __init__(self,
                 temporal: Union[dict, BaseTokenScorer] = dict(type='TemporalTokenScorer'),
                 spatial: Union[dict, BaseTokenScorer] = dict(type='SpatialTokenScorer'),
                 temporal_weight: float = 0.5,
                 spatial_weight: float = 0.5):
        super().__init__()
        for key, weight in (('temporal_weight', temporal_weight),
                            ('spatial_weight', spatial_weight)):
            if not isinstance(weight, (int, float)) or weight < 0:
                raise ValueError(f'CombinedTokenScorer {key} must be a number >= 0, '
                                 f'got {key}={weight!r}')
        if temporal_weight == 0 and spatial_weight == 0:
            raise ValueError('CombinedTokenScorer temporal_weight and spatial_weight '
                             'are both 0: every token would score the same')
        self.temporal = build_scorer(temporal, key='scorer.temporal')
        self.spatial = build_scorer(spatial, key='scorer.spatial')
        self.temporal_weight = float(temporal_weight)
        self.spatial_weight = float(spatial_weight)
        self.needs_grid = self.temporal.needs_grid or self.spatial.needs_grid
        self.needs_mixed = self.temporal.needs_mixed or self.spatial.needs_mixed

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[B, N]``."""
        return (self.temporal_weight * self.temporal(x, hw, block)).add_(
            self.spatial(x, hw, block), alpha=self.spatial_weight)
