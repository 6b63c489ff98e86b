"""Base class of token scorers."""
from typing import Optional, Tuple

import torch
from torch import nn


class BaseTokenScorer(nn.Module):
    """Scores every token of a block input; a higher score means "keep".

    ``scorer(x, hw, block=None) -> [B, N]`` with ``x`` of shape ``[T, B, C, N]``.
    Scorers are stateless and are called without gradients by the pruners.

    Attributes:
        needs_grid (bool): the score of a token depends on its grid neighbours, so
            ``x`` must hold the whole ``H x W`` grid (``N = H * W``). Pruners that
            shrink the sequence (EViT, ToMe) score such scorers on the restored grid.
        needs_mixed (bool): the score must be computed on the tensor the block's
            ``tokenwise`` part sees (after ``block.mix``), e.g. because it reads the
            block's own attention; IRToP then scores after ``mix``.
    """

    needs_grid: bool = False
    needs_mixed: bool = False

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> scores ``[B, N]``."""
        raise NotImplementedError

    @staticmethod
    def check_input(x: torch.Tensor, hw: Optional[Tuple[int, int]] = None,
                    name: str = 'scorer') -> None:
        """Raise unless ``x`` is ``[T, B, C, N]`` (with ``N = H * W`` if ``hw`` given)."""
        if x.dim() != 4:
            raise ValueError(f'{name} expects tokens [T, B, C, N], got shape '
                             f'{tuple(x.shape)}')
        if hw is not None and x.shape[-1] != hw[0] * hw[1]:
            raise ValueError(f'{name} needs the full token grid: got N={x.shape[-1]} '
                             f'tokens for hw={tuple(hw)} (H*W={hw[0] * hw[1]})')
