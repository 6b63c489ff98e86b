"""Spiking transformer backbones. Token layout: ``[T, B, C, N]``."""
from .base_spiking_backbone import BaseSpikingBackbone
from .simple_feature_pyramid import SimpleFeaturePyramid

__all__ = ['BaseSpikingBackbone', 'SimpleFeaturePyramid']
