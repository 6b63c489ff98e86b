"""Spike-driven Transformer V1 (Yao et al., NeurIPS 2023) as a tpmm backbone.

Tokens ``[T, B, C, N]`` (N = H * W), feature maps ``[T, B, C, H, W]``.
"""
from collections import OrderedDict
from typing import Optional, Sequence, Union

import torch
from spikingjelly.activation_based import layer, neuron
from spikingjelly.activation_based.layer.attention import SpikeDrivenSelfAttention
from torch import nn

from tpmm.registry import MODELS
from .arch_presets import resolve_arch
from .attention_received import spike_driven_self_attention_received
from .single_scale_backbone import SingleScaleSpikingBackbone


def lif() -> neuron.LIFNode:
    """The multi-step LIF neuron of SDT (tau 2, threshold 1, detached reset)."""
    return neuron.LIFNode(tau=2.0, detach_reset=True, step_mode='m')


class SDTPatchEmbed(nn.Module):
    """Spiking patch splitting of SDT-V1: ``[T, B, C_in, H, W]`` -> membrane-potential
    tokens ``[T, B, C, H/16, W/16]``.

    Stages 0-2: 3x3 conv-BN-LIF then a 3x3 / stride-2 max-pool, widths ``C/8, C/4,
    C/2``; stage 3: 3x3 conv-BN, max-pool (no neuron). The output is stage 3's map plus
    a relative position embedding of its spikes (LIF, 3x3 conv-BN).

    Args:
        in_channels (int): image channels.
        embed_dims (int): ``C``, a multiple of 8.
    """

    def __init__(self, in_channels: int, embed_dims: int):
        super().__init__()
        widths = [embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        stages = []
        for index, (c_in, c_out) in enumerate(zip([in_channels] + widths[:-1], widths)):
            ops = [('conv', layer.Conv2d(c_in, c_out, 3, padding=1, step_mode='m')),
                   ('bn', layer.BatchNorm2d(c_out, step_mode='m'))]
            if index < 3:
                ops.append(('lif', lif()))
            ops.append(('pool', layer.MaxPool2d(3, stride=2, padding=1, step_mode='m')))
            stages.append(nn.Sequential(OrderedDict(ops)))
        self.stages = nn.Sequential(*stages)
        self.lif = lif()
        self.rpe = nn.Sequential(OrderedDict([
            ('conv', layer.Conv2d(embed_dims, embed_dims, 3, padding=1, bias=False,
                                  step_mode='m')),
            ('bn', layer.BatchNorm2d(embed_dims, step_mode='m'))]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(x)
        return x + self.rpe(self.lif(x))


class SDTMLP(nn.Module):
    """Membrane-shortcut spiking MLP: ``x + BN(conv(LIF(BN(conv(LIF(x))))))``.

    1x1 convs on ``[T, B, C, K, 1]``. As in the reference code, a hidden width equal to
    ``dim`` adds an inner residual.

    Args:
        dim (int): token channels ``C``.
        hidden_dim (int): hidden channels.
    """

    def __init__(self, dim: int, hidden_dim: int):
        super().__init__()
        self.inner_residual = dim == hidden_dim
        self.lif1 = lif()
        self.fc1 = layer.Conv2d(dim, hidden_dim, 1, step_mode='m')
        self.bn1 = layer.BatchNorm2d(hidden_dim, step_mode='m')
        self.lif2 = lif()
        self.fc2 = layer.Conv2d(hidden_dim, dim, 1, step_mode='m')
        self.bn2 = layer.BatchNorm2d(dim, step_mode='m')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        x = self.bn1(self.fc1(self.lif1(x)))
        if self.inner_residual:
            x = x + identity
            identity = x
        return identity + self.bn2(self.fc2(self.lif2(x)))


class SDTBlock(nn.Module):
    """Spike-driven self-attention (spikingjelly's ``SpikeDrivenSelfAttention``, which
    carries its own residual) and the MLP. Prunable block: everything is token-wise.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): attention heads; must divide ``dim``.
        mlp_ratio (float): MLP hidden width / ``dim``.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0):
        super().__init__()
        self.attn = SpikeDrivenSelfAttention(dim, num_heads)
        self.mlp = SDTMLP(dim, int(dim * mlp_ratio))

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> ``[T, B, C, K]`` for any K and token order (run as a
        ``K x 1`` map)."""
        x = x.unsqueeze(-1)
        return self.mlp(self.attn(x)).squeeze(-1)

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        """Stateless ``[T, B, C, N]`` -> ``[B, N]``; see :mod:`.attention_received`."""
        return spike_driven_self_attention_received(self.attn, x)


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
    reads (``self.stride`` 16). ``self.out_channels`` lists the channels of every level.

    Args:
        arch (str | dict): preset name or custom dict, see above.
        T (int): timesteps.
        in_channels (int): image channels.
        out_type, out_indices, time_reduce, pruning, init_cfg: see
            :class:`BaseSpikingBackbone`.
        pyramid_channels (Sequence[int], optional): channels of the four pyramid levels.
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
                 init_cfg: Optional[dict] = None):
        super().__init__(T, out_type, out_indices, time_reduce, init_cfg)
        settings = resolve_arch(arch, self.arch_zoo, type(self).__name__)
        dims, depth = settings['embed_dims'], settings['depth']
        self.check_depth_and_width(dims, depth)
        self.embed_dims = dims
        self.patch_embed = SDTPatchEmbed(in_channels, dims)
        self.blocks = nn.ModuleList(
            SDTBlock(dims, settings['num_heads'], settings['mlp_ratio'])
            for _ in range(depth))
        self.head_lif = lif()
        self.build_outputs(dims, pyramid_channels, pruning)

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> head-LIF spikes of the token mean, mean over time
        ``[B, C]``."""
        return self.head_lif(x.flatten(3).mean(-1)).mean(0)
