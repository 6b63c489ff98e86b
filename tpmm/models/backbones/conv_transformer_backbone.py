"""The four-stage conv + transformer layout of Meta-SpikeFormer (SDT-V2), shared by
SDT-V2 and E-SpikeFormer (SDT-V3)."""
from typing import Callable, List, Optional, Sequence, Union

import torch
from torch import nn

from ..layers import MSDownsample
from .base_spiking_backbone import BaseSpikingBackbone
from .resolve_arch import resolve_arch


def check_conv_transformer_arch(settings: dict, owner: str) -> None:
    """Validate the settings of a :class:`ConvTransformerBackbone` arch (``embed_dims``,
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


class ConvTransformerBackbone(BaseSpikingBackbone):
    """The Meta-SpikeFormer layout: stem, two conv stages, two prunable transformer
    stages (see :class:`SDTV2`, which is Meta-SpikeFormer; :class:`SDTV3` changes its
    neurons and blocks). ``token_stride`` is the first transformer stage's stride: 16,
    or 8 (its down-sampling at stride 1; ``out_type='pooled'`` only).

    Subclasses set ``arch_zoo``, ``conv_block`` (called ``conv_block(C, mlp_ratio,
    neuron)``) and ``transformer_block`` (``transformer_block(C, num_heads, mlp_ratio,
    neuron)``), and pass their neuron factory and pooling neuron to ``__init__``.
    Attribute names are the reference models' layout, so checkpoints of either
    subclass load by the same keys.
    """

    arch_zoo: dict = {}
    conv_block: Callable[..., nn.Module]
    transformer_block: Callable[..., nn.Module]
    stride = 32
    num_levels = 4

    def __init__(self,
                 arch: Union[str, dict],
                 T: int,
                 in_channels: int,
                 last_stage_stride: int,
                 out_type: str,
                 out_indices: Sequence[int],
                 time_reduce: str,
                 pruning: Optional[dict],
                 init_cfg: Optional[dict],
                 neuron: Callable[[], nn.Module],
                 pool_neuron: nn.Module,
                 token_stride: int = 16):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg, pruning=pruning)
        owner = type(self).__name__
        settings = resolve_arch(arch, self.arch_zoo, owner)
        check_conv_transformer_arch(settings, owner)
        check_last_stage_stride(last_stage_stride, owner)
        self.check_token_stride(token_stride)
        self.stride = token_stride * last_stage_stride
        dims, depths = list(settings['embed_dims']), list(settings['depths'])
        heads, ratio = settings['num_heads'], settings['mlp_ratio']

        self.stem_conv = MSDownsample(in_channels, dims[0] // 2, 7, 2, 3)
        self.stem_block = self.conv_block(dims[0] // 2, ratio, neuron)
        in_dims = [dims[0] // 2] + dims[:3]
        strides = (2, 2, token_stride // 8, last_stage_stride)
        self.downsamples = nn.ModuleList(
            MSDownsample(in_dims[i], dims[i], 3, strides[i], 1, neuron) for i in range(4))
        self.stages = nn.ModuleList(
            [nn.ModuleList(self.conv_block(dims[i], ratio, neuron) for _ in range(depths[i]))
             for i in (0, 1)]
            + [nn.ModuleList(self.transformer_block(dims[i], heads, ratio, neuron)
                             for _ in range(depths[i])) for i in (2, 3)])
        self.pool_neuron = pool_neuron
        self.embed_dims, self.depths = dims, depths
        self.out_channels = list(dims)
        self.check_out_indices()

    def prunable_stages(self) -> List[nn.ModuleList]:
        """The two transformer stages (2 and 3)."""
        return [self.stages[2], self.stages[3]]

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[T, B, C_in, H, W]`` -> 4 levels ``[T, B, C_i, H / s_i, W / s_i]``."""
        x = self.stem_block(self.stem_conv(x))
        levels = []
        for i, (downsample, blocks) in enumerate(zip(self.downsamples, self.stages)):
            x = downsample(x)
            if i < 2:
                for block in blocks:
                    x = block(x)
            else:
                x = self.run_prunable_stage(blocks, x)
            levels.append(x)
        return levels

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Last level ``[T, B, C, H, W]`` -> ``[B, C]``: ``pool_neuron`` spikes of the
        token mean, averaged over T (the reference head's input)."""
        return self.pool_neuron(x.flatten(3).mean(-1)).mean(0)
