"""Spiking transformer backbones. Token layout: ``[T, B, C, N]``."""
from .base_spiking_backbone import BaseSpikingBackbone
from .qkformer import QKFormer
from .sdt_v1 import SDTV1
from .sdt_v2 import SDTV2
from .sdt_v3 import SDTV3
from .simple_feature_pyramid import SimpleFeaturePyramid
from .spikformer import Spikformer

__all__ = [
    'BaseSpikingBackbone', 'SimpleFeaturePyramid', 'Spikformer', 'SDTV1', 'SDTV2', 'SDTV3',
    'QKFormer'
]
