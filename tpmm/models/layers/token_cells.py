"""Grid positions of tokens, carried through token pruning as a side tensor."""
from typing import Tuple

import torch


def grid_positions(t: int, b: int, hw: Tuple[int, int],
                   device: torch.device) -> torch.Tensor:
    """``[T, B, 2, H * W]`` float32 (row, column) of every token of an ``hw`` grid, in
    the ``N = H * W`` token order (row-major)."""
    h, w = hw
    rows = torch.arange(h, device=device, dtype=torch.float32).repeat_interleave(w)
    cols = torch.arange(w, device=device, dtype=torch.float32).repeat(h)
    return torch.stack([rows, cols])[None, None].expand(t, b, 2, h * w)


class TokenCells:
    """Where a set of tokens sits on the grid, for a 3x3 operator over those tokens.

    Built from gathered grid positions ``[T, B, 2, K]`` (the same for every timestep).
    A token is *placed* at its cell if its position is a whole (row, column) that no
    other token of its sample claims; other tokens (e.g. ones merged from several grid
    tokens, whose position is an average) are *unplaced* and see no neighbours.

    Attributes:
        size: ``(Hc, Wc)``, the bounding box of the placed tokens from the origin.
        placed: ``[B, K]`` bool.
        canvas_index: ``[B, K]`` flat index into a ``(Hc + 2) x (Wc + 2)`` canvas with a
            one-cell border, plus one spare slot at the end for unplaced tokens.
        cell_index: ``[B, K]`` flat index into the ``Hc x Wc`` grid (0 if unplaced).
    """

    def __init__(self, positions: torch.Tensor):
        pos = positions[0].float()  # [B, 2, K]
        whole = pos.round()
        placed = ((pos - whole).abs() < 1e-3).all(1) & (whole >= 0).all(1)
        rows = torch.where(placed, whole[:, 0], 0).long()
        cols = torch.where(placed, whole[:, 1], 0).long()
        hc, wc = int(rows.max()) + 1, int(cols.max()) + 1
        cell = rows * wc + cols
        claims = torch.zeros(pos.shape[0], hc * wc, dtype=torch.long, device=pos.device)
        claims.scatter_add_(1, cell, placed.long())
        placed = placed & (claims.gather(1, cell) == 1)
        spare = (hc + 2) * (wc + 2)
        self.size = (hc, wc)
        self.placed = placed
        self.canvas_index = torch.where(placed, (rows + 1) * (wc + 2) + cols + 1, spare)
        self.cell_index = torch.where(placed, cell, 0)
