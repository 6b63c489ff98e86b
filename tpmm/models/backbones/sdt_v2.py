"""Meta-SpikeFormer (Spike-Driven Transformer V2) backbone."""
from functools import partial
from typing import List, Optional, Sequence, Union

import torch
from spikingjelly.activation_based import neuron
from torch import nn

from tpmm.registry import MODELS
from ..layers import MetaSpikeFormerBlock, MSConvBlock, MSDownsample, run_prunable_stage
from .arch_presets import resolve_arch
from .base_spiking_backbone import BaseSpikingBackbone


def check_meta_arch(settings: dict, owner: str) -> None:
    """Validate the settings of a Meta-SpikeFormer-family arch (``embed_dims``,
    ``depths``, ``num_heads``, ``mlp_ratio``); raise naming the offending key."""
    dims, depths = settings['embed_dims'], settings['depths']
    heads, ratio = settings['num_heads'], settings['mlp_ratio']

    def positive_ints(value, count):
        return (isinstance(value, (list, tuple)) and len(value) == count
                and all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                        for v in value))

    if not positive_ints(dims, 4) or dims[0] % 2:
        raise ValueError(f'{owner}: embed_dims must be 4 positive integers, the first '
                         f'even (the stem has embed_dims[0] / 2 channels), got {dims!r}')
    if not positive_ints(depths, 4):
        raise ValueError(f'{owner}: depths must be 4 positive integers, got {depths!r}')
    if not positive_ints([heads], 1) or dims[2] % heads or dims[3] % heads:
        raise ValueError(f'{owner}: num_heads must be a positive integer dividing '
                         f'embed_dims[2] and embed_dims[3] ({dims[2]}, {dims[3]}), '
                         f'got {heads!r}')
    if not positive_ints([ratio], 1):
        raise ValueError(f'{owner}: mlp_ratio must be a positive integer, got {ratio!r}')


def check_last_stage_stride(last_stage_stride, owner: str) -> None:
    """Raise unless ``last_stage_stride`` is 1 or 2."""
    if type(last_stage_stride) is not int or last_stage_stride not in (1, 2):
        raise ValueError(f'{owner}: last_stage_stride must be 2 (strides 4/8/16/32) or 1 '
                         f'(the reference classifier, 4/8/16/16), got {last_stage_stride!r}')


@MODELS.register_module()
class SDTV2(BaseSpikingBackbone):
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
    'toy'     16, 32, 64, 64        1, 1, 2, 1    0.38        --
    ========  ====================  ============  ==========  =========

    ``'8-384'`` and ``'8-512'`` are the reference ``metaspikformer_8_384`` /
    ``_8_512`` (the released checkpoint is the 55M ``'8-512'``); ``'8-256'`` is the
    15M model of the reference detection / segmentation configs
    (``embed_dim=[64, 128, 256, 360]``). ``'toy'`` is for tests and demos.
    ``depths[0]`` counts the stage-0 blocks after the stem block.

    All presets: ``num_heads=8`` (``'toy'``: 2), ``mlp_ratio=4``. A custom ``arch`` is a
    dict with exactly the keys ``embed_dims`` (4 ints, the first even), ``depths`` (4
    ints >= 1), ``num_heads`` (divides ``embed_dims[2:]``), ``mlp_ratio`` (int).

    Outputs: ``out_type='featmap'``: the levels in ``out_indices`` as
    ``[B, C_i, H / s_i, W / s_i]`` (mean over T; ``time_reduce='none'`` keeps T);
    ``out_type='pooled'``: ``([B, C_3],)``, what the reference classifier head reads
    (:meth:`pool`). ``self.out_channels``: ``C_i`` of every level.

    Args:
        arch (str | dict): preset name or custom dict, see above.
        T (int): timesteps the image is repeated for.
        in_channels (int): image channels.
        last_stage_stride (int): 2 or 1, see above.
        out_type, out_indices, time_reduce, init_cfg: see :class:`BaseSpikingBackbone`.
        pruning (dict, optional): token pruner config; ``None`` is no pruning.
    """

    arch_zoo = {
        '8-256': dict(embed_dims=(64, 128, 256, 360), depths=(1, 2, 6, 2), num_heads=8,
                      mlp_ratio=4),
        '8-384': dict(embed_dims=(96, 192, 384, 480), depths=(1, 2, 6, 2), num_heads=8,
                      mlp_ratio=4),
        '8-512': dict(embed_dims=(128, 256, 512, 640), depths=(1, 2, 6, 2), num_heads=8,
                      mlp_ratio=4),
        'toy': dict(embed_dims=(16, 32, 64, 64), depths=(1, 1, 2, 1), num_heads=2,
                    mlp_ratio=4),
    }
    stride = 32
    num_levels = 4

    def __init__(self,
                 arch: Union[str, dict] = '8-512',
                 T: int = 4,
                 in_channels: int = 3,
                 last_stage_stride: int = 2,
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 time_reduce: str = 'mean',
                 pruning: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg)
        settings = resolve_arch(arch, self.arch_zoo, 'SDTV2')
        check_meta_arch(settings, 'SDTV2')
        check_last_stage_stride(last_stage_stride, 'SDTV2')
        self.stride = 16 * last_stage_stride
        dims, depths = list(settings['embed_dims']), list(settings['depths'])
        heads, ratio = settings['num_heads'], settings['mlp_ratio']
        lif = partial(neuron.LIFNode, tau=2.0, detach_reset=True, step_mode='m')

        self.stem_conv = MSDownsample(in_channels, dims[0] // 2, 7, 2, 3)
        self.stem_block = MSConvBlock(dims[0] // 2, ratio, lif)
        in_dims = [dims[0] // 2] + dims[:3]
        strides = (2, 2, 2, last_stage_stride)
        self.downsamples = nn.ModuleList(
            MSDownsample(in_dims[i], dims[i], 3, strides[i], 1, lif) for i in range(4))
        self.stages = nn.ModuleList(
            [nn.ModuleList(MSConvBlock(dims[i], ratio, lif) for _ in range(depths[i]))
             for i in (0, 1)]
            + [nn.ModuleList(MetaSpikeFormerBlock(dims[i], heads, ratio, lif)
                             for _ in range(depths[i])) for i in (2, 3)])
        self.pool_neuron = lif()
        self.embed_dims, self.depths = dims, depths
        self.out_channels = list(dims)
        self.check_out_indices()
        self.build_pruning(pruning, depths[2] + depths[3])

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[T, B, C_in, H, W]`` -> 4 levels ``[T, B, C_i, H / s_i, W / s_i]``."""
        x = self.stem_block(self.stem_conv(x))
        levels, first_block = [], 0
        for i, (downsample, blocks) in enumerate(zip(self.downsamples, self.stages)):
            x = downsample(x)
            if i < 2:
                for block in blocks:
                    x = block(x)
            else:
                x = run_prunable_stage(self.pruner, blocks, x, first_block)
                first_block += len(blocks)
            levels.append(x)
        return levels

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Last level ``[T, B, C, H, W]`` -> ``[B, C]``: spikes of the token mean
        (``LIF(mean_N x)``), averaged over T. The reference head is linear and averages
        its logits over T, so ``head(pool(x))`` equals its output."""
        return self.pool_neuron(x.flatten(3).mean(-1)).mean(0)
