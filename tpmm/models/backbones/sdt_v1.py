"""Spike-driven Transformer V1 (Yao et al., NeurIPS 2023) as a tpmm backbone.

Tokens ``[T, B, C, N]`` (N = H * W), feature maps ``[T, B, C, H, W]``.
"""
from typing import Optional, Sequence, Union

import torch
from torch import nn

from tpmm.registry import MODELS
from ..layers import SDTBlock, SDTPatchEmbed, lif
from .resolve_arch import resolve_arch
from .single_scale_backbone import SingleScaleSpikingBackbone


@MODELS.register_module()
class SDTV1(SingleScaleSpikingBackbone):
    """Spike-driven Transformer V1: spiking patch splitting, then ``depth`` spike-driven
    self-attention blocks on the stride-16 token grid.

    Presets (``arch``; 8 heads as in the official ImageNet configs, ``'8-384'`` is
    spikingjelly's ``sdt_8_384``). Params: backbone without the pyramid (adds
    ``1.18 M`` at C=384) and without the 1000-class head (adds ``C * 1001``; with it
    the paper's counts, e.g. 16.81 M for 8-384):

    ========  =====  ====  =====  ==========
    arch      depth  dims  heads  params (M)
    ========  =====  ====  =====  ==========
    '8-384'   8      384   8      16.43
    '8-512'   8      512   8      29.18
    '8-768'   8      768   8      65.57
    'tiny'    2      64    2      0.16
    ========  =====  ====  =====  ==========

    ``'tiny'`` is for tests and demos. A custom ``arch`` is a dict with the keys
    ``embed_dims`` (multiple of 8 and of ``num_heads``), ``depth``, ``num_heads``,
    ``mlp_ratio``.

    Outputs (``C = embed_dims``): ``out_type='featmap'`` gives four levels at strides
    4 / 8 / 16 / 32 from a :class:`SimpleFeaturePyramid` on the block output (membrane
    potentials), with ``pyramid_channels`` channels (default ``[C] * 4``);
    ``self.stride`` is then 32. ``out_type='pooled'`` gives ``[B, C]``: the token mean
    through the head LIF, averaged over time, i.e. what the model's linear classifier
    reads (``self.stride`` 16, or ``token_stride``). ``self.out_channels`` lists the
    channels of every level.

    Args:
        arch (str | dict): preset name or custom dict, see above.
        T (int): timesteps.
        in_channels (int): image channels.
        out_type, out_indices, time_reduce, pruning, init_cfg: see
            :class:`BaseSpikingBackbone`.
        pyramid_channels (Sequence[int], optional): channels of the four pyramid levels.
        token_stride (int): 16 (the papers' stems) or 8: the stem's last max-pool is
            dropped, so a 112 px input gives the 14x14 grid of 224 px at stride 16;
            ``out_type='pooled'`` only (the same weights either way).
    """

    arch_zoo = {
        '8-384': dict(embed_dims=384, depth=8, num_heads=8, mlp_ratio=4.0),
        '8-512': dict(embed_dims=512, depth=8, num_heads=8, mlp_ratio=4.0),
        '8-768': dict(embed_dims=768, depth=8, num_heads=8, mlp_ratio=4.0),
        'tiny': dict(embed_dims=64, depth=2, num_heads=2, mlp_ratio=4.0),
    }

    def __init__(self,
                 arch: Union[str, dict] = '8-384',
                 T: int = 4,
                 in_channels: int = 3,
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 time_reduce: str = 'mean',
                 pyramid_channels: Optional[Sequence[int]] = None,
                 pruning: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 token_stride: int = 16):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg, pruning=pruning)
        self.check_token_stride(token_stride)
        settings = resolve_arch(arch, self.arch_zoo, type(self).__name__)
        dims, depth = settings['embed_dims'], settings['depth']
        self.check_depth_and_width(dims, depth)
        self.embed_dims = dims
        self.patch_embed = SDTPatchEmbed(in_channels, dims, token_stride)
        self.blocks = nn.ModuleList(
            SDTBlock(dims, settings['num_heads'], settings['mlp_ratio'])
            for _ in range(depth))
        self.head_lif = lif()
        self.build_outputs(dims, pyramid_channels, token_stride)

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> head-LIF spikes of the token mean, mean over time
        ``[B, C]``."""
        return self.head_lif(x.flatten(3).mean(-1)).mean(0)
