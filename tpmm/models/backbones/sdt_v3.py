"""E-SpikeFormer (Spike-Driven Transformer V3) backbone."""
from functools import partial
from typing import Optional, Sequence, Union

from tpmm.registry import MODELS
from ..layers import ESpikeFormerBlock, IntegerLIFNode, MSConvBlock
from .conv_transformer_backbone import ConvTransformerBackbone


@MODELS.register_module()
class SDTV3(ConvTransformerBackbone):
    """E-SpikeFormer (SDT-V3; Yao et al., "Scaling Spike-driven Transformer with
    Efficient Spike Firing Approximation Training", TPAMI 2025), after
    BICLab/Spike-Driven-Transformer-V3 (``SDT_V3/Classification/Model_Base``).

    The Meta-SpikeFormer layout of :class:`SDTV2` (stem, two conv stages, two
    transformer stages, levels at strides 4/8/16/32, or 4/8/16/16 with
    ``last_stage_stride=1`` as in the reference classifier), with:

    * I-LIF neurons (:class:`IntegerLIFNode`): integer spikes ``clamp(round(u), 0, D)``,
      ``D = max_spike``, in training; at inference each integer spike is ``D`` binary
      spikes on virtual timesteps, which gives the same values (spike-driven). Outputs
      are divided by ``D`` as in the reference code, so its weights apply unchanged.
    * E-SpikeFormer separable convs (BN and neuron after the depthwise conv).
    * Transformer blocks (:class:`ESpikeFormerBlock`): SepConv (3x3) branch, linear
      attention with 1x1 Q/K/V (V and the attention output 4C wide,
      ``scale = 2 / sqrt(C / heads)``), 1x1 channel MLP. The SepConv branch is the
      block's ``mix``; attention and MLP are token-wise. Only these blocks are
      prunable (``d_2 + d_3``).

    Presets (``arch``, the reference ``Efficient_Spiking_Transformer_{t,s,m,l}``);
    params of the backbone without the classifier, and the published size with it:

    ======  ====================  ============  ==========  =========
    arch    embed_dims            depths        params (M)  published
    ======  ====================  ============  ==========  =========
    't'     24, 48, 96, 128       1, 2, 6, 2    2.57        --
    's'     32, 64, 128, 192      1, 2, 6, 2    4.91        5.1M
    'm'     48, 96, 192, 240      1, 2, 6, 2    9.78        10.0M
    'l'     64, 128, 256, 360     1, 2, 6, 2    18.63       19.0M
    'tiny'  16, 32, 64, 64        1, 1, 2, 1    0.45        --
    ======  ====================  ============  ==========  =========

    ``'t'`` is in the reference code without a published result; ``'tiny'`` is for tests
    and demos.
    All presets: ``num_heads=8`` (``'tiny'``: 2), ``mlp_ratio=4``; a custom ``arch`` dict
    takes the keys of :class:`SDTV2`. The published 83M / 173M models
    (``Model_Large``) are a different, 3-stage design and are not covered.

    Outputs and ``self.out_channels`` as in :class:`SDTV2`; ``out_type='pooled'`` gives
    the I-LIF spike count (not divided by ``D``) of the token mean, averaged over T:
    what the reference head reads.

    Args:
        arch (str | dict): preset name or custom dict.
        T (int): timesteps the image is repeated for (the reference models use 1).
        max_spike (int): ``D``, the largest integer spike (4 in the reference models).
        in_channels (int): image channels.
        last_stage_stride (int): 2 (strides 4/8/16/32) or 1 (4/8/16/16).
        out_type, out_indices, time_reduce, init_cfg: see :class:`BaseSpikingBackbone`.
        pruning (dict, optional): token pruner config; ``None`` is no pruning.
        token_stride (int): 16, or 8: stage 2 keeps stage 1's grid, so a 112 px input
            gives the 14x14 grid of 224 px at stride 16; ``out_type='pooled'`` only (the
            same weights either way).
    """

    arch_zoo = {
        't': dict(embed_dims=(24, 48, 96, 128), depths=(1, 2, 6, 2), num_heads=8,
                  mlp_ratio=4),
        's': dict(embed_dims=(32, 64, 128, 192), depths=(1, 2, 6, 2), num_heads=8,
                  mlp_ratio=4),
        'm': dict(embed_dims=(48, 96, 192, 240), depths=(1, 2, 6, 2), num_heads=8,
                  mlp_ratio=4),
        'l': dict(embed_dims=(64, 128, 256, 360), depths=(1, 2, 6, 2), num_heads=8,
                  mlp_ratio=4),
        'tiny': dict(embed_dims=(16, 32, 64, 64), depths=(1, 1, 2, 1), num_heads=2,
                    mlp_ratio=4),
    }
    conv_block = staticmethod(partial(MSConvBlock, spiking_dw=True))
    transformer_block = ESpikeFormerBlock

    def __init__(self,
                 arch: Union[str, dict] = 'l',
                 T: int = 1,
                 max_spike: int = 4,
                 in_channels: int = 3,
                 last_stage_stride: int = 2,
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 time_reduce: str = 'mean',
                 pruning: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 token_stride: int = 16):
        super().__init__(arch, T, in_channels, last_stage_stride, out_type, out_indices,
                         time_reduce, pruning, init_cfg,
                         neuron=partial(IntegerLIFNode, max_spike),
                         pool_neuron=IntegerLIFNode(max_spike, normalize=False),
                         token_stride=token_stride)
        self.max_spike = max_spike
