"""RepConv of Meta-SpikeFormer: a re-parameterizable 3x3 convolution."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .bn_and_pad import BNAndPad
from .stateless_estimates import batch_norm_without_update
from .token_cells import TokenCells


class RepConv(nn.Module):
    """``pw_in`` (1x1) -> ``bn_in`` (:class:`BNAndPad`) -> ``dw`` (3x3 depthwise, no
    padding) -> ``pw_out`` (1x1) -> ``bn_out``; no biases.

    The chain is linear, so at inference it folds into one zero-padded 3x3 conv. Besides
    the grid form (:meth:`forward`), it runs on a set of tokens (:meth:`forward_tokens`):
    the 1x1 parts per token and the 3x3 part over the tokens that are grid neighbours,
    an absent neighbour counting as a zero input (a silent token).

    Args:
        in_channels (int): ``C``.
        out_channels (int): ``C'``.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.pw_in = nn.Conv2d(in_channels, in_channels, 1, bias=False)
        self.bn_in = BNAndPad(in_channels, pad=1)
        self.dw = nn.Conv2d(in_channels, in_channels, 3, groups=in_channels, bias=False)
        self.pw_out = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn_out = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[M, C, H, W]`` -> ``[M, C', H, W]``."""
        return self.bn_out(self.pw_out(self.dw(self.bn_in(self.pw_in(x)))))

    def forward_tokens(self, x: torch.Tensor, cells: Optional[TokenCells] = None,
                       update_stats: bool = True) -> torch.Tensor:
        """``[M, C, K]`` tokens (``M = T * B``, T-major) -> ``[M, C', K]``.

        Args:
            x: token features.
            cells: grid cells of the tokens (per sample, the same for every timestep);
                ``None`` treats every token as alone on the grid.
            update_stats: ``False`` leaves the batch norms' running statistics as they
                are (for stateless estimates).
        """
        def norm(bn, value):
            return bn(value) if update_stats else batch_norm_without_update(bn, value)

        m, c, k = x.shape
        a = norm(self.bn_in.bn, self.pw_in(x.unsqueeze(-1))).squeeze(-1)  # [M, C, K]
        pad = self.bn_in.pad_value().to(a.dtype).view(1, c, 1)
        weight = self.dw.weight  # [C, 1, 3, 3]
        centre = weight[:, 0, 1, 1].view(1, c, 1)
        border = weight.sum(dim=(1, 2, 3)).view(1, c, 1) - centre
        out = a * centre + border * pad  # every token on its own
        if cells is not None:
            reps = m // cells.placed.shape[0]
            hc, wc = cells.size
            canvas = pad.repeat(m, 1, (hc + 2) * (wc + 2) + 1)
            index = cells.canvas_index.repeat(reps, 1)[:, None].expand(m, c, k)
            canvas = canvas.scatter(2, index, a)[..., :-1].reshape(m, c, hc + 2, wc + 2)
            grid = F.conv2d(canvas, weight, groups=c).flatten(2)  # [M, C, Hc * Wc]
            cell = cells.cell_index.repeat(reps, 1)[:, None].expand(m, c, k)
            placed = cells.placed.repeat(reps, 1)[:, None]
            out = torch.where(placed, grid.gather(2, cell), out)
        return norm(self.bn_out, self.pw_out(out.unsqueeze(-1))).squeeze(-1)
