"""Building blocks of tpmm's spiking backbones, one per file.

Feature maps ``[T, B, C, H, W]``; tokens ``[T, B, C, N]`` (N = H * W). Prunable blocks
(:class:`tpmm.pruning.PrunableBlock`): :class:`SpikformerBlock`, :class:`SDTBlock`,
:class:`QKFormerBlock`, :class:`MetaSpikeFormerBlock` (SDT-V2) and
:class:`ESpikeFormerBlock` (SDT-V3).
"""
from .attention_received import (spike_driven_self_attention_received,
                                 spiking_self_attention_received,
                                 token_qk_attention_received)
from .bn_and_pad import BNAndPad
from .e_spikeformer_block import ESpikeFormerBlock
from .integer_lif import IntegerLIFNode
from .lif import lif
from .linear_attention import multi_head_linear_attention
from .linear_spiking_attention import LinearSpikingAttention
from .meta_spikeformer_block import MetaSpikeFormerBlock
from .ms_conv_block import MSConvBlock
from .ms_downsample import MSDownsample
from .ms_mlp import MSMLP
from .qkformer_block import QKFormerBlock
from .qkformer_patch_embed import QKFormerDownsampleEmbed, QKFormerStemEmbed
from .rep_conv import RepConv
from .rep_conv_attention import RepConvSpikingAttention
from .sdt_block import SDTBlock
from .sdt_mlp import SDTMLP
from .sdt_patch_embed import SDTPatchEmbed
from .sep_conv import SpikingSepConv
from .spikformer_block import SpikformerBlock
from .spikformer_mlp import SpikformerMLP
from .spikformer_patch_embed import SpikformerPatchEmbed
from .stateless_estimates import (batch_norm_without_update, firing_estimate,
                                  linear_attention_received)
from .token_cells import TokenCells, grid_positions

__all__ = [
    'BNAndPad', 'ESpikeFormerBlock', 'IntegerLIFNode', 'LinearSpikingAttention',
    'MetaSpikeFormerBlock', 'MSConvBlock', 'MSDownsample', 'MSMLP', 'QKFormerBlock',
    'QKFormerDownsampleEmbed', 'QKFormerStemEmbed', 'RepConv', 'RepConvSpikingAttention',
    'SDTBlock', 'SDTMLP', 'SDTPatchEmbed', 'SpikformerBlock', 'SpikformerMLP',
    'SpikformerPatchEmbed', 'SpikingSepConv', 'TokenCells', 'batch_norm_without_update',
    'firing_estimate', 'grid_positions', 'lif', 'linear_attention_received',
    'multi_head_linear_attention', 'spike_driven_self_attention_received',
    'spiking_self_attention_received', 'token_qk_attention_received'
]
