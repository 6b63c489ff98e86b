"""Spikformer-style backbones: patch embedding + one stage of blocks at stride 16."""
from typing import List, Optional, Sequence

import torch
from torch import nn

from .base_spiking_backbone import BaseSpikingBackbone
from .simple_feature_pyramid import SimpleFeaturePyramid


class SingleScaleSpikingBackbone(BaseSpikingBackbone):
    """``patch_embed`` then ``blocks`` (all prunable) on one stride-16 (or 8) grid.

    Subclasses build ``self.patch_embed`` and ``self.blocks`` and call
    :meth:`build_outputs`. ``out_type='featmap'`` adds a :class:`SimpleFeaturePyramid`
    (four levels, strides 4 / 8 / 16 / 32); ``'pooled'`` keeps the block output.
    """

    def check_depth_and_width(self, dims, depth) -> None:
        """Raise unless ``depth >= 1`` is an integer and ``dims`` a multiple of 8."""
        owner = type(self).__name__
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f'{owner}: arch depth must be an integer >= 1, '
                             f'got depth={depth!r}')
        if dims % 8:
            raise ValueError(f'{owner}: embed_dims must be a multiple of 8, got {dims}')

    def build_outputs(self, dims: int, pyramid_channels: Optional[Sequence[int]],
                      token_stride: int = 16) -> None:
        """The output levels for ``self.out_type`` (the block grid at ``token_stride``)."""
        if self.out_type == 'featmap':
            self.pyramid = SimpleFeaturePyramid(dims, pyramid_channels)
            self.out_channels = list(self.pyramid.out_channels)
            self.num_levels, self.stride = 4, 32
        else:
            self.pyramid = None
            self.out_channels = [dims]
            self.num_levels, self.stride = 1, token_stride
        self.check_out_indices()

    def prunable_stages(self) -> List[nn.ModuleList]:
        """One stage: all ``blocks``."""
        return [self.blocks]

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[T, B, 3, H, W]`` -> four pyramid levels (``'featmap'``) or the block
        output ``[T, B, C, H/s, W/s]``, ``s = self.stride`` (``'pooled'``)."""
        x = self.run_prunable_stage(self.blocks, self.patch_embed(x))
        if self.pyramid is None:
            return [x]
        return self.pyramid(x)
