"""Building blocks of the Meta-SpikeFormer family (SDT-V2, SDT-V3).

Feature maps ``[T, B, C, H, W]``; tokens ``[T, B, C, N]`` (N = H * W).
"""
from .bn_and_pad import BNAndPad
from .e_spikeformer_block import ESpikeFormerBlock
from .integer_lif import IntegerLIFNode
from .linear_attention import multi_head_linear_attention
from .linear_spiking_attention import LinearSpikingAttention
from .meta_spikeformer_block import MetaSpikeFormerBlock
from .ms_conv_block import MSConvBlock
from .ms_downsample import MSDownsample
from .ms_mlp import MSMLP
from .prunable_stage import run_prunable_stage
from .rep_conv import RepConv
from .rep_conv_attention import RepConvSpikingAttention
from .sep_conv import SpikingSepConv
from .stateless_estimates import (batch_norm_without_update, firing_estimate,
                                  linear_attention_received)
from .token_cells import TokenCells, grid_positions

__all__ = [
    'BNAndPad', 'ESpikeFormerBlock', 'IntegerLIFNode', 'LinearSpikingAttention',
    'MetaSpikeFormerBlock', 'MSConvBlock', 'MSDownsample', 'MSMLP', 'RepConv',
    'RepConvSpikingAttention', 'SpikingSepConv', 'TokenCells', 'batch_norm_without_update',
    'firing_estimate', 'grid_positions', 'linear_attention_received',
    'multi_head_linear_attention', 'run_prunable_stage'
]
