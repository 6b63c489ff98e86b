"""Spikformer (Zhou et al., ICLR 2023) as a tpmm backbone.

Tokens ``[T, B, C, N]`` (N = H * W), feature maps ``[T, B, C, H, W]``.
"""
from collections import OrderedDict
from typing import Optional, Sequence, Union

import torch
from spikingjelly.activation_based import layer, neuron
from spikingjelly.activation_based.layer.attention import SpikingSelfAttention
from torch import nn

from tpmm.registry import MODELS
from .arch_presets import resolve_arch
from .attention_received import spiking_self_attention_received
from .single_scale_backbone import SingleScaleSpikingBackbone


def lif() -> neuron.LIFNode:
    """The multi-step LIF neuron of Spikformer (tau 2, threshold 1, detached reset)."""
    return neuron.LIFNode(tau=2.0, detach_reset=True, step_mode='m')


class SpikformerPatchEmbed(nn.Module):
    """Spiking patch splitting (SPS): ``[T, B, C_in, H, W]`` -> ``[T, B, C, H/16, W/16]``.

    Four 3x3 conv-BN-LIF stages with widths ``C/8, C/4, C/2, C``, each followed by a
    3x3 / stride-2 max-pool, then a relative position embedding (3x3 conv-BN-LIF)
    whose spikes are added to its input.

    Args:
        in_channels (int): image channels.
        embed_dims (int): ``C``, a multiple of 8.
        stem_pool (str): ``'after_spike'``: max-pool the spikes (ZK-Zhou/spikformer);
            ``'before_spike'``: max-pool the BN output, then the LIF (spikingjelly's
            model zoo). The weights are the same; the outputs differ.
    """

    def __init__(self, in_channels: int, embed_dims: int, stem_pool: str):
        super().__init__()
        widths = [embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        stages = []
        for c_in, c_out in zip([in_channels] + widths[:-1], widths):
            ops = [('conv', layer.Conv2d(c_in, c_out, 3, padding=1, bias=False, step_mode='m')),
                   ('bn', layer.BatchNorm2d(c_out, step_mode='m'))]
            pool = ('pool', layer.MaxPool2d(3, stride=2, padding=1, step_mode='m'))
            ops += [('lif', lif()), pool] if stem_pool == 'after_spike' else [pool, ('lif', lif())]
            stages.append(nn.Sequential(OrderedDict(ops)))
        self.stages = nn.Sequential(*stages)
        self.rpe = nn.Sequential(OrderedDict([
            ('conv', layer.Conv2d(embed_dims, embed_dims, 3, padding=1, bias=False,
                                  step_mode='m')),
            ('bn', layer.BatchNorm2d(embed_dims, step_mode='m')),
            ('lif', lif())]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(x)
        return x + self.rpe(x)


class SpikformerMLP(nn.Module):
    """Token-wise spiking MLP: (1x1 conv-BN-LIF) x 2, ``[T, B, C, K]`` -> ``[T, B, C, K]``.

    Args:
        dim (int): token channels ``C``.
        hidden_dim (int): hidden channels.
        bias (bool): conv biases (False in Spikformer, True in QKFormer).
    """

    def __init__(self, dim: int, hidden_dim: int, bias: bool = False):
        super().__init__()
        self.fc1 = layer.Conv1d(dim, hidden_dim, 1, bias=bias, step_mode='m')
        self.bn1 = layer.BatchNorm1d(hidden_dim, step_mode='m')
        self.lif1 = lif()
        self.fc2 = layer.Conv1d(hidden_dim, dim, 1, bias=bias, step_mode='m')
        self.bn2 = layer.BatchNorm1d(dim, step_mode='m')
        self.lif2 = lif()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lif1(self.bn1(self.fc1(x)))
        return self.lif2(self.bn2(self.fc2(x)))


class SpikformerBlock(nn.Module):
    """Spiking self-attention (spikingjelly's ``SpikingSelfAttention``) and MLP, each
    with a residual. Prunable block: everything is token-wise.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): attention heads; must divide ``dim``.
        mlp_ratio (float): MLP hidden width / ``dim``.
        mlp_bias (bool): MLP conv biases.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0,
                 mlp_bias: bool = False):
        super().__init__()
        self.attn = SpikingSelfAttention(dim, num_heads)
        self.mlp = SpikformerMLP(dim, int(dim * mlp_ratio), bias=mlp_bias)

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` for any K and token order."""
        x = x + self.attn(x)
        return x + self.mlp(x)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Stateless ``[T, B, C, N]`` -> ``[B, N]``; see :mod:`.attention_received`."""
        return spiking_self_attention_received(self.attn, x)


@MODELS.register_module()
class Spikformer(SingleScaleSpikingBackbone):
    """Spikformer: spiking patch splitting, then ``depth`` spiking self-attention blocks
    on the stride-16 token grid.

    Presets (``arch``; heads as in the paper / official code, ``'ti'`` and ``'s'`` as
    spikingjelly's ``spikformer_ti`` / ``spikformer_s``). Params: backbone without the
    pyramid (adds ``1.18 M`` at C=384) and without the 1000-class head (adds
    ``C * 1001``; with it the paper's counts, e.g. 16.81 M for 8-384):

    ========  =====  ====  =====  ==========
    arch      depth  dims  heads  params (M)
    ========  =====  ====  =====  ==========
    '8-384'   8      384   12     16.41
    '8-512'   8      512   8      29.15
    '8-768'   8      768   12     65.53
    'ti'      4      256   8      4.14
    's'       6      384   12     12.86
    'tiny'    2      64    2      0.16
    ========  =====  ====  =====  ==========

    ``'tiny'`` is for tests and demos. A custom ``arch`` is a dict with the keys
    ``embed_dims`` (multiple of 8 and of ``num_heads``), ``depth``, ``num_heads``,
    ``mlp_ratio``.

    Outputs (``C = embed_dims``): ``out_type='featmap'`` gives four levels at strides
    4 / 8 / 16 / 32 from a :class:`SimpleFeaturePyramid` on the block output, with
    ``pyramid_channels`` channels (default ``[C] * 4``); ``self.stride`` is then 32.
    ``out_type='pooled'`` gives ``[B, C]``, the mean over tokens and time that the
    model's linear classifier reads (``self.stride`` 16). ``self.out_channels`` lists
    the channels of every level.

    Args:
        arch (str | dict): preset name or custom dict, see above.
        T (int): timesteps.
        in_channels (int): image channels.
        stem_pool (str): max-pool placement in the patch splitting stem:
            ``'after_spike'`` (ZK-Zhou/spikformer, default) or ``'before_spike'``
            (spikingjelly's model zoo); use the one the checkpoint was trained with.
        out_type, out_indices, time_reduce, pruning, init_cfg: see
            :class:`BaseSpikingBackbone`.
        pyramid_channels (Sequence[int], optional): channels of the four pyramid levels.
    """

    arch_zoo = {
        '8-384': dict(embed_dims=384, depth=8, num_heads=12, mlp_ratio=4.0),
        '8-512': dict(embed_dims=512, depth=8, num_heads=8, mlp_ratio=4.0),
        '8-768': dict(embed_dims=768, depth=8, num_heads=12, mlp_ratio=4.0),
        'ti': dict(embed_dims=256, depth=4, num_heads=8, mlp_ratio=4.0),
        's': dict(embed_dims=384, depth=6, num_heads=12, mlp_ratio=4.0),
        'tiny': dict(embed_dims=64, depth=2, num_heads=2, mlp_ratio=4.0),
    }
    stem_pools = ('after_spike', 'before_spike')

    def __init__(self,
                 arch: Union[str, dict] = '8-384',
                 T: int = 4,
                 in_channels: int = 3,
                 stem_pool: str = 'after_spike',
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 time_reduce: str = 'mean',
                 pyramid_channels: Optional[Sequence[int]] = None,
                 pruning: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg)
        settings = resolve_arch(arch, self.arch_zoo, type(self).__name__)
        if stem_pool not in self.stem_pools:
            raise ValueError(f'Spikformer: stem_pool must be one of {self.stem_pools}, '
                             f'got stem_pool={stem_pool!r}')
        dims, depth = settings['embed_dims'], settings['depth']
        self.check_depth_and_width(dims, depth)
        self.embed_dims = dims
        self.patch_embed = SpikformerPatchEmbed(in_channels, dims, stem_pool)
        self.blocks = nn.ModuleList(
            SpikformerBlock(dims, settings['num_heads'], settings['mlp_ratio'])
            for _ in range(depth))
        self.build_outputs(dims, pyramid_channels, pruning)

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> mean over tokens and time ``[B, C]``."""
        return x.flatten(3).mean(-1).mean(0)
