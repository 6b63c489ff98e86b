"""Meta-SpikeFormer (Spike-Driven Transformer V2) backbone."""
from typing import Optional, Sequence, Union

from tpmm.registry import MODELS
from ..layers import MetaSpikeFormerBlock, MSConvBlock, lif
from .conv_transformer_backbone import ConvTransformerBackbone


@MODELS.register_module()
class SDTV2(ConvTransformerBackbone):
    """Meta-SpikeFormer (SDT-V2; Yao et al., "Spike-driven Transformer V2: Meta Spiking
    Neural Network Architecture Inspiring the Design of Next-generation Neuromorphic
    Chips", ICLR 2024), after BICLab/Spike-Driven-Transformer-V2.

    Layout (``C_i = embed_dims[i]``, ``d_i = depths[i]``; maps ``[T, B, C, H, W]``)::

        stem     7x7/2 conv (no neuron, reads the image) + 1 MSConvBlock(C_0 / 2)  stride 2
        stage 0  SN + 3x3/2 conv + d_0 MSConvBlock(C_0)                  level 0, stride 4
        stage 1  SN + 3x3/2 conv + d_1 MSConvBlock(C_1)                  level 1, stride 8
        stage 2  SN + 3x3/2 conv + d_2 MetaSpikeFormerBlock(C_2)         level 2, stride 16
        stage 3  SN + 3x3/s conv + d_3 MetaSpikeFormerBlock(C_3)         level 3, stride 32

    ``s = last_stage_stride``: 2 gives the strides 4/8/16/32 of a dense backbone
    (``self.stride`` 32); 1 is the reference classifier, whose last stage stays at
    stride 16 (``self.stride`` 16). The conv weights are the same either way.

    MSConvBlock: SepConv (7x7 depthwise) and a 3x3-conv channel MLP, with residuals.
    MetaSpikeFormerBlock: spike-driven linear attention with RepConv Q/K/V/output
    (``scale * Q (K^T V)``, 0.125) and a 1x1 channel MLP; its prunable-block split is
    described there. Only the transformer blocks are prunable (``d_2 + d_3`` of them,
    indexed across stages 2 and 3); each stage runs through the pruner and is restored
    to its full grid before the next downsampling.

    Neurons: spikingjelly multi-step LIF, tau 2, threshold 1 (0.5 on the attention
    output), hard reset to 0 with detached reset, sigmoid surrogate.

    Presets (``arch``, named ``depth-C_2`` as the reference ``metaspikformer_8_*``);
    params of the backbone without the classifier, and the published size with it:

    ========  ====================  ============  ==========  =========
    arch      embed_dims            depths        params (M)  published
    ========  ====================  ============  ==========  =========
    '8-256'   64, 128, 256, 360     1, 2, 6, 2    14.75       15.1M
    '8-384'   96, 192, 384, 480     1, 2, 6, 2    30.85       31.3M
    '8-512'   128, 256, 512, 640    1, 2, 6, 2    54.71       55.4M
    'tiny'    16, 32, 64, 64        1, 1, 2, 1    0.38        --
    ========  ====================  ============  ==========  =========

    ``'8-384'`` and ``'8-512'`` are the reference ``metaspikformer_8_384`` /
    ``_8_512`` (the released checkpoint is the 55M ``'8-512'``); ``'8-256'`` is the
    15M model of the reference detection / segmentation configs
    (``embed_dim=[64, 128, 256, 360]``). ``'tiny'`` is for tests and demos.
    ``depths[0]`` counts the stage-0 blocks after the stem block.

    All presets: ``num_heads=8`` (``'tiny'``: 2), ``mlp_ratio=4``. A custom ``arch`` is a
    dict with exactly the keys ``embed_dims`` (4 ints, the first even), ``depths`` (4
    ints >= 1), ``num_heads`` (divides ``embed_dims[2:]``), ``mlp_ratio`` (int).

    Outputs: ``out_type='featmap'``: the levels in ``out_indices`` as
    ``[B, C_i, H / s_i, W / s_i]`` (mean over T; ``time_reduce='none'`` keeps T);
    ``out_type='pooled'``: ``([B, C_3],)``, what the reference classifier head reads
    (:meth:`pool`: ``LIF(mean_N x)`` averaged over T; the reference head is linear and
    averages its logits over T, so ``head(pool(x))`` equals its output).
    ``self.out_channels``: ``C_i`` of every level.

    Args:
        arch (str | dict): preset name or custom dict, see above.
        T (int): timesteps the image is repeated for.
        in_channels (int): image channels.
        last_stage_stride (int): 2 or 1, see above.
        out_type, out_indices, time_reduce, init_cfg: see :class:`BaseSpikingBackbone`.
        pruning (dict, optional): token pruner config; ``None`` is no pruning.
        token_stride (int): 16, or 8: stage 2 keeps stage 1's grid, so a 112 px input
            gives the 14x14 grid of 224 px at stride 16; ``out_type='pooled'`` only (the
            same weights either way).
    """

    arch_zoo = {
        '8-256': dict(embed_dims=(64, 128, 256, 360), depths=(1, 2, 6, 2), num_heads=8,
                      mlp_ratio=4),
        '8-384': dict(embed_dims=(96, 192, 384, 480), depths=(1, 2, 6, 2), num_heads=8,
                      mlp_ratio=4),
        '8-512': dict(embed_dims=(128, 256, 512, 640), depths=(1, 2, 6, 2), num_heads=8,
                      mlp_ratio=4),
        'tiny': dict(embed_dims=(16, 32, 64, 64), depths=(1, 1, 2, 1), num_heads=2,
                    mlp_ratio=4),
    }
    conv_block = MSConvBlock
    transformer_block = MetaSpikeFormerBlock

    def __init__(self,
                 arch: Union[str, dict] = '8-512',
                 T: int = 4,
                 in_channels: int = 3,
                 last_stage_stride: int = 2,
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 time_reduce: str = 'mean',
                 pruning: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 token_stride: int = 16):
        super().__init__(arch, T, in_channels, last_stage_stride, out_type, out_indices,
                         time_reduce, pruning, init_cfg, neuron=lif, pool_neuron=lif(),
                         token_stride=token_stride)
