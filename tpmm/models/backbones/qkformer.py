"""QKFormer (Zhou et al., NeurIPS 2024) as a tpmm backbone.

Tokens ``[T, B, C, N]`` (N = H * W), feature maps ``[T, B, C, H, W]``.
"""
from typing import List, Optional, Sequence, Union

import torch
from spikingjelly.activation_based import layer
from spikingjelly.activation_based.layer.attention import (SpikingSelfAttention,
                                                           TokenQKAttention)
from torch import nn

from tpmm.registry import MODELS
from ..layers import run_prunable_stage
from .arch_presets import resolve_arch
from .attention_received import (spiking_self_attention_received,
                                 token_qk_attention_received)
from .base_spiking_backbone import BaseSpikingBackbone
from .spikformer import SpikformerMLP, lif


def conv_bn(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> List[nn.Module]:
    """Multi-step conv (with bias, as in spikingjelly's zoo) and batch norm."""
    return [layer.Conv2d(c_in, c_out, kernel_size, stride=stride,
                         padding=kernel_size // 2, step_mode='m'),
            layer.BatchNorm2d(c_out, step_mode='m')]


def max_pool() -> layer.MaxPool2d:
    return layer.MaxPool2d(3, stride=2, padding=1, step_mode='m')


class QKFormerStemEmbed(nn.Module):
    """Stage-1 patch embedding, ``[T, B, C_in, H, W]`` -> spikes ``[T, B, C, H/4, W/4]``.

    conv-BN-pool-LIF to ``C/2`` (stride 2), then conv-BN-pool-LIF and conv-BN-LIF to
    ``C`` (stride 4), plus a strided 1x1 conv-BN-LIF shortcut from the first spikes.

    Args:
        in_channels (int): image channels.
        out_channels (int): ``C``, even.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        hidden = out_channels // 2
        self.conv1, self.bn1 = conv_bn(in_channels, hidden, 3)
        self.pool1, self.lif1 = max_pool(), lif()
        self.conv2, self.bn2 = conv_bn(hidden, out_channels, 3)
        self.pool2, self.lif2 = max_pool(), lif()
        self.conv3, self.bn3 = conv_bn(out_channels, out_channels, 3)
        self.lif3 = lif()
        self.shortcut = nn.Sequential(*conv_bn(hidden, out_channels, 1, stride=2), lif())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lif1(self.pool1(self.bn1(self.conv1(x))))
        identity = x
        x = self.lif2(self.pool2(self.bn2(self.conv2(x))))
        x = self.lif3(self.bn3(self.conv3(x)))
        return x + self.shortcut(identity)


class QKFormerDownsampleEmbed(nn.Module):
    """Patch embedding between stages, ``[T, B, C_in, H, W]`` -> ``[T, B, C, H/2, W/2]``:
    conv-BN-pool-LIF and conv-BN-LIF plus a strided 1x1 conv-BN-LIF shortcut.

    Args:
        in_channels (int): ``C_in``.
        out_channels (int): ``C``.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1, self.bn1 = conv_bn(in_channels, out_channels, 3)
        self.pool, self.lif1 = max_pool(), lif()
        self.conv2, self.bn2 = conv_bn(out_channels, out_channels, 3)
        self.lif2 = lif()
        self.shortcut = nn.Sequential(*conv_bn(in_channels, out_channels, 1, stride=2), lif())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        x = self.lif1(self.pool(self.bn1(self.conv1(x))))
        x = self.lif2(self.bn2(self.conv2(x)))
        return x + self.shortcut(identity)


class QKFormerBlock(nn.Module):
    """Attention and spiking MLP, each with a residual. Prunable block: everything is
    token-wise.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): attention heads; must divide ``dim``.
        mlp_ratio (float): MLP hidden width / ``dim``.
        attention (str): ``'token_qk'``: token Q-K attention (spikingjelly's
            ``TokenQKAttention``, stages 1-2); ``'self'``: spiking self-attention
            (``SpikingSelfAttention``, stage 3).
    """

    attentions = ('token_qk', 'self')

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, attention: str):
        super().__init__()
        if attention not in self.attentions:
            raise ValueError(f'QKFormerBlock: attention must be one of {self.attentions}, '
                             f'got {attention!r}')
        self.attention = attention
        attn_cls = TokenQKAttention if attention == 'token_qk' else SpikingSelfAttention
        self.attn = attn_cls(dim, num_heads)
        self.mlp = SpikformerMLP(dim, int(dim * mlp_ratio), bias=True)

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` for any K and token order."""
        x = x + self.attn(x)
        return x + self.mlp(x)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Stateless ``[T, B, C, N]`` -> ``[B, N]``; see :mod:`.attention_received`."""
        if self.attention == 'token_qk':
            return token_qk_attention_received(self.attn, x)
        return spiking_self_attention_received(self.attn, x)


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
                 init_cfg: Optional[dict] = None):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg)
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
            QKFormerDownsampleEmbed(widths[1], widths[2])])
        self.stages = nn.ModuleList(
            nn.ModuleList(
                QKFormerBlock(width, head, settings['mlp_ratio'],
                              'self' if stage == 2 else 'token_qk')
                for _ in range(depth))
            for stage, (width, head, depth) in enumerate(zip(widths, heads, depths)))
        self.out_channels = widths
        self.check_out_indices()
        self.build_pruning(pruning, sum(depths))

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[T, B, 3, H, W]`` -> stage outputs ``[T, B, C_i, H/s_i, W/s_i]``,
        ``s_i = 4, 8, 16``."""
        levels = []
        first_index = 0
        for embed, blocks in zip(self.patch_embeds, self.stages):
            x = embed(x)
            if len(blocks):
                x = run_prunable_stage(self.pruner, blocks, x, first_index)
                first_index += len(blocks)
            levels.append(x)
        return levels

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> mean over tokens and time ``[B, C]``."""
        return x.flatten(3).mean(-1).mean(0)
