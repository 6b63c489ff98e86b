"""QKFormer (Zhou et al., NeurIPS 2024) as a tpmm backbone.

Tokens ``[T, B, C, N]`` (N = H * W), feature maps ``[T, B, C, H, W]``.
"""
from typing import List, Optional, Sequence, Union

import torch
from torch import nn

from tpmm.registry import MODELS
from ..layers import QKFormerBlock, QKFormerDownsampleEmbed, QKFormerStemEmbed
from .base_spiking_backbone import BaseSpikingBackbone
from .resolve_arch import resolve_arch


@MODELS.register_module()
class QKFormer(BaseSpikingBackbone):
    """QKFormer, a hierarchical spiking transformer: three stages at strides 4 / 8 / 16
    with widths ``C/4, C/2, C``; token Q-K attention blocks in stages 1-2, spiking
    self-attention blocks in stage 3.

    Presets (``arch``; ``'10-384'`` is spikingjelly's ``qkformer_10_384``, heads as
    in the official code). Params: backbone without the 1000-class head (adds
    ``C * 1001``; with it the paper's counts, e.g. 16.47 M for 10-384):

    ========  ==========  ===============  ==========  ==========
    arch      depths      dims             heads       params (M)
    ========  ==========  ===============  ==========  ==========
    '10-384'  (1, 2, 7)   (96, 192, 384)   (6, 6, 6)   16.09
    '10-512'  (1, 2, 7)   (128, 256, 512)  (8, 8, 8)   28.56
    '10-768'  (1, 2, 7)   (192, 384, 768)  (12,12,12)  64.19
    'tiny'    (1, 1, 1)   (16, 32, 64)     (2, 2, 2)   0.14
    ========  ==========  ===============  ==========  ==========

    ``'tiny'`` is for tests and demos. A custom ``arch`` is a dict with the keys
    ``embed_dims`` (``C``, a multiple of 4), ``depths`` (three ints >= 0),
    ``num_heads`` (three ints, each dividing its stage width), ``mlp_ratio``.

    Outputs: ``out_type='featmap'`` gives the three stage outputs (spikes summed with
    their residuals) at strides 4 / 8 / 16 with ``C/4, C/2, C`` channels
    (``self.stride`` 16, ``self.out_channels`` per level). ``out_type='pooled'`` gives
    ``[B, C]``, the mean over tokens and time that the model's linear classifier reads.

    Each stage with blocks is its own pruning stage (``pruner.begin`` / ``end``); the
    prunable-block index counts over all stages.

    Args:
        arch (str | dict): preset name or custom dict, see above.
        T (int): timesteps.
        in_channels (int): image channels.
        out_type, out_indices, time_reduce, pruning, init_cfg: see
            :class:`BaseSpikingBackbone`.
        token_stride (int): 16, or 8: stage 3 keeps stage 2's grid (its embedding
            without max-pool and with a stride-1 shortcut), so a 112 px input gives
            stage 3 the 14x14 grid of 224 px at stride 16 (stages 1-2, also prunable,
            see 28x28 and 14x14 instead of 56x56 and 28x28); ``out_type='pooled'`` only
            (the same weights either way).
    """

    arch_zoo = {
        '10-384': dict(embed_dims=384, depths=(1, 2, 7), num_heads=(6, 6, 6), mlp_ratio=4.0),
        '10-512': dict(embed_dims=512, depths=(1, 2, 7), num_heads=(8, 8, 8), mlp_ratio=4.0),
        '10-768': dict(embed_dims=768, depths=(1, 2, 7), num_heads=(12, 12, 12),
                       mlp_ratio=4.0),
        'tiny': dict(embed_dims=64, depths=(1, 1, 1), num_heads=(2, 2, 2), mlp_ratio=4.0),
    }
    stride = 16
    num_levels = 3

    def __init__(self,
                 arch: Union[str, dict] = '10-384',
                 T: int = 4,
                 in_channels: int = 3,
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2),
                 time_reduce: str = 'mean',
                 pruning: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 token_stride: int = 16):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg, pruning=pruning)
        self.check_token_stride(token_stride)
        self.stride = token_stride
        settings = resolve_arch(arch, self.arch_zoo, type(self).__name__)
        dims = settings['embed_dims']
        depths, heads = tuple(settings['depths']), tuple(settings['num_heads'])
        if dims % 4:
            raise ValueError(f'QKFormer: embed_dims must be a multiple of 4, got {dims}')
        for key, value in (('depths', depths), ('num_heads', heads)):
            if len(value) != 3:
                raise ValueError(f'QKFormer: arch {key} needs one value per stage (3), '
                                 f'got {key}={value!r}')
        if any(not isinstance(d, int) or d < 0 for d in depths):
            raise ValueError(f'QKFormer: arch depths must be integers >= 0, got '
                             f'depths={depths!r}')
        widths = [dims // 4, dims // 2, dims]
        self.embed_dims = dims
        self.depths = depths
        self.patch_embeds = nn.ModuleList([
            QKFormerStemEmbed(in_channels, widths[0]),
            QKFormerDownsampleEmbed(widths[0], widths[1]),
            QKFormerDownsampleEmbed(widths[1], widths[2], stride=token_stride // 8)])
        self.stages = nn.ModuleList(
            nn.ModuleList(
                QKFormerBlock(width, head, settings['mlp_ratio'],
                              'self' if stage == 2 else 'token_qk')
                for _ in range(depth))
            for stage, (width, head, depth) in enumerate(zip(widths, heads, depths)))
        self.out_channels = widths
        self.check_out_indices()

    def prunable_stages(self) -> List[nn.ModuleList]:
        """The three stages' blocks (a stage may be empty)."""
        return list(self.stages)

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[T, B, 3, H, W]`` -> stage outputs ``[T, B, C_i, H/s_i, W/s_i]``,
        ``s_i = 4, 8, token_stride``."""
        levels = []
        for embed, blocks in zip(self.patch_embeds, self.stages):
            x = self.run_prunable_stage(blocks, embed(x))
            levels.append(x)
        return levels

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> mean over tokens and time ``[B, C]``."""
        return x.flatten(3).mean(-1).mean(0)
