"""Shared behaviour of tpmm's spiking backbones."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from spikingjelly.activation_based import functional

from tpmm.pruning import build_pruner


class BaseSpikingBackbone(BaseModule):
    """Base class: time encoding, state reset, output selection, pruning seam.

    Token layout everywhere in tpmm: ``[T, B, C, N]`` (T timesteps, N = H * W tokens);
    feature maps ``[T, B, C, H, W]``.

    A subclass builds its layers, sets ``self.num_prunable_blocks`` and calls
    :meth:`build_pruning` in ``__init__``, and implements :meth:`forward_stages`, which
    returns every feature level as ``[T, B, C_i, H_i, W_i]``, and :meth:`pool`, which
    turns the last level into classification features ``[B, C]``.

    Args:
        T (int): timesteps a static image is repeated for. Must be >= 1.
        out_type (str): ``'featmap'`` (dense: a tuple of maps selected by
            ``out_indices``) or ``'pooled'`` (classification: a 1-tuple ``([B, C],)``).
        out_indices (Sequence[int]): feature levels returned in ``'featmap'`` mode.
        time_reduce (str): ``'mean'`` gives ``[B, C_i, H_i, W_i]`` maps (what stock
            necks and heads expect); ``'none'`` keeps ``[T, B, C_i, H_i, W_i]``.
        pruning (dict, optional): token pruner config, e.g. ``dict(type='IRToP',
            keep_ratio=0.7)``; ``None`` means no pruning.
        init_cfg (dict, optional): mmengine init config, e.g.
            ``dict(type='Pretrained', checkpoint='...')``.
    """

    #: total stride of the deepest level; inputs must be multiples of it.
    stride: int = 16
    #: number of feature levels :meth:`forward_stages` returns.
    num_levels: int = 1

    def __init__(self,
                 T: int = 4,
                 out_type: str = 'featmap',
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 time_reduce: str = 'mean',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if not isinstance(T, int) or T < 1:
            raise ValueError(f'T must be an integer >= 1, got T={T!r}')
        if out_type not in ('featmap', 'pooled'):
            raise ValueError(f"out_type must be 'featmap' or 'pooled', got {out_type!r}")
        if time_reduce not in ('mean', 'none'):
            raise ValueError(f"time_reduce must be 'mean' or 'none', got {time_reduce!r}")
        self.T = T
        self.out_type = out_type
        self.out_indices = tuple(out_indices) if out_type == 'featmap' else ()
        self.time_reduce = time_reduce

    def check_out_indices(self) -> None:
        """Raise if an ``out_indices`` entry is not a level of this backbone."""
        for i in self.out_indices:
            if not isinstance(i, int) or not 0 <= i < self.num_levels:
                raise ValueError(f'out_indices entry {i!r} is out of range: this '
                                 f'backbone has {self.num_levels} feature levels '
                                 f'(0..{self.num_levels - 1})')

    def build_pruning(self, pruning: Optional[dict], num_blocks: int) -> None:
        """Create ``self.pruner`` for ``num_blocks`` prunable blocks."""
        self.num_prunable_blocks = num_blocks
        self.pruner = build_pruner(pruning, num_blocks=num_blocks)

    def to_sequence(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, 3, H, W]`` image -> ``[T, B, 3, H, W]``; a 5-D input is used as is."""
        if x.dim() == 4:
            x = x.unsqueeze(0).repeat(self.T, 1, 1, 1, 1)
        elif x.dim() != 5:
            raise ValueError(f'expected an image [B, C, H, W] or a sequence '
                             f'[T, B, C, H, W], got shape {tuple(x.shape)}')
        h, w = x.shape[-2:]
        if h % self.stride or w % self.stride:
            raise ValueError(f'input size {h}x{w} is not divisible by the backbone '
                             f'stride {self.stride} ({type(self).__name__})')
        return x

    def forward_stages(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[T, B, 3, H, W]`` -> every level ``[T, B, C_i, H_i, W_i]``."""
        raise NotImplementedError

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Last level ``[T, B, C, H, W]`` -> classification features ``[B, C]``."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``[B, 3, H, W]`` (or ``[T, B, 3, H, W]``) -> tuple of features."""
        functional.reset_net(self)
        self.pruner.reset_records()
        levels = self.forward_stages(self.to_sequence(x))
        if self.out_type == 'pooled':
            return (self.pool(levels[-1]), )
        outs = [levels[i] for i in self.out_indices]
        if self.time_reduce == 'mean':
            outs = [o.mean(0) for o in outs]
        return tuple(outs)
