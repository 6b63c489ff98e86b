"""Shared behaviour of tpmm's spiking backbones."""
import functools
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from spikingjelly.activation_based import functional
from torch import nn

from tpmm.pruning import PrunableBlock, build_pruner, run_prunable_stage


class BaseSpikingBackbone(BaseModule):
    """Base class: time encoding, state reset, output selection, pruning seam.

    Token layout everywhere in tpmm: ``[T, B, C, N]`` (T timesteps, N = H * W tokens);
    feature maps ``[T, B, C, H, W]``.

    A subclass builds its layers in ``__init__`` (passing ``pruning`` on), declares its
    prunable stages in :meth:`prunable_stages`, runs each of them with
    :meth:`run_prunable_stage` and implements :meth:`forward_stages`, which returns
    every feature level as ``[T, B, C_i, H_i, W_i]``, and :meth:`pool`, which turns
    the last level into classification features ``[B, C]``. Once the subclass's
    ``__init__`` has run, the base counts the prunable blocks
    (``self.num_prunable_blocks``) and builds ``self.pruner``.

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
                 init_cfg: Optional[dict] = None,
                 pruning: Optional[dict] = None):
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
        self.pruning_cfg = pruning

    def __init_subclass__(cls, **kwargs):
        """Make every subclass build its pruner right after its ``__init__``."""
        super().__init_subclass__(**kwargs)
        if '__init__' not in cls.__dict__:
            return
        init = cls.__init__

        @functools.wraps(init)
        def init_then_build_pruner(self, *args, **kwargs):
            init(self, *args, **kwargs)
            if type(self).__init__ is init_then_build_pruner:  # the outermost __init__
                self.build_pruner()

        cls.__init__ = init_then_build_pruner

    def check_out_indices(self) -> None:
        """Raise if an ``out_indices`` entry is not a level of this backbone."""
        for i in self.out_indices:
            if not isinstance(i, int) or not 0 <= i < self.num_levels:
                raise ValueError(f'out_indices entry {i!r} is out of range: this '
                                 f'backbone has {self.num_levels} feature levels '
                                 f'(0..{self.num_levels - 1})')

    def check_token_stride(self, token_stride) -> None:
        """Raise unless ``token_stride`` is 16 (the papers' grids) or 8 with
        ``out_type='pooled'`` (the same grid from half the input side: a classification
        preset whose stem costs a quarter)."""
        owner = type(self).__name__
        if type(token_stride) is not int or token_stride not in (8, 16):
            raise ValueError(f'{owner}: token_stride must be 16 or 8, got '
                             f'token_stride={token_stride!r}')
        if token_stride == 8 and self.out_type != 'pooled':
            raise ValueError(f"{owner}: token_stride=8 is a classification preset and needs "
                             f"out_type='pooled', got out_type={self.out_type!r}")

    def prunable_stages(self) -> List[nn.ModuleList]:
        """The backbone's stages of :class:`~tpmm.pruning.PrunableBlock` s, in forward
        order; the prunable-block index counts through them."""
        raise NotImplementedError(f'{type(self).__name__} must declare prunable_stages()')

    def build_pruner(self) -> None:
        """Count the prunable blocks and build ``self.pruner`` from the ``pruning``
        config (``None``: :class:`~tpmm.pruning.NoPrune`)."""
        stages = self.prunable_stages()
        for stage in stages:
            for block in stage:
                if not isinstance(block, PrunableBlock):
                    raise TypeError(f'{type(self).__name__}.prunable_stages() holds a '
                                    f'{type(block).__name__}, not a PrunableBlock')
        self.num_prunable_blocks = sum(len(stage) for stage in stages)
        self.pruner = build_pruner(self.pruning_cfg, num_blocks=self.num_prunable_blocks)

    def run_prunable_stage(self, blocks: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, H, W]`` -> ``[T, B, C, H, W]``: the declared stage ``blocks``
        through the pruner (an empty stage returns ``x``)."""
        first_index = 0
        for stage in self.prunable_stages():
            if stage is blocks:
                break
            first_index += len(stage)
        else:
            raise ValueError(f'{type(self).__name__}: run_prunable_stage got blocks that '
                             f'are not one of prunable_stages()')
        if not len(blocks):
            return x
        return run_prunable_stage(self.pruner, blocks, x, first_index)

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

    def forward_levels(self, x: torch.Tensor) -> List[torch.Tensor]:
        """``[B, 3, H, W]`` (or ``[T, B, 3, H, W]``) -> every level
        ``[T, B, C_i, H_i, W_i]``; resets the neuron states and the pruner's records
        first."""
        functional.reset_net(self)
        self.pruner.start_forward()
        return self.forward_stages(self.to_sequence(x))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``[B, 3, H, W]`` (or ``[T, B, 3, H, W]``) -> tuple of features."""
        levels = self.forward_levels(x)
        if self.out_type == 'pooled':
            return (self.pool(levels[-1]), )
        outs = [levels[i] for i in self.out_indices]
        if self.time_reduce == 'mean':
            outs = [o.mean(0) for o in outs]
        return tuple(outs)
