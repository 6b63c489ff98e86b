"""A prunable-block wrapper that lets search tokens be pruned while template tokens are
always kept and always attended to.

The pruner sees only the search-region grid: ``mix(x_search, hw)`` applies the wrapped
block's ``mix`` to the search grid (and to the template grid, kept on the wrapper);
``tokenwise(x_kept, **side)`` runs the wrapped block's ``tokenwise`` on ``[template;
kept search]`` tokens, so attention sees both, keeps the template part for the next
block and returns the search part. Template tokens are never scored nor pruned: they
carry the target's appearance (SDTrack / OSTrack candidate elimination keep them too).
"""
from typing import Dict, Tuple

import torch
from spikingjelly.activation_based import functional

from tpmm.pruning import PrunableBlock


class TemplateTokens:
    """The template tokens ``[T, B, C, Nz]`` on grid ``hw``, passed from block to block."""

    def __init__(self, tokens: torch.Tensor, hw: Tuple[int, int]):
        self.tokens = tokens
        self.hw = hw
        self.side: Dict[str, torch.Tensor] = {}


class TemplateJointBlock(PrunableBlock):
    """A :class:`PrunableBlock` over search tokens for ``block``, carrying ``template``.

    Built per forward and never attached to the tracker, so it adds no state-dict keys.
    Each template, search and joint call of the wrapped block resets its neurons first,
    since template and search pass them in separate calls (each a full ``T`` sequence).
    """

    def __init__(self, block: PrunableBlock, template: TemplateTokens):
        super().__init__()
        self.block = block
        self.template = template

    @property
    def has_mix(self) -> bool:
        return self.block.has_mix

    def mix(self, x: torch.Tensor, hw: Tuple[int, int]):
        """``[T, B, C, Nx]`` -> ``(x, side)``; the template is mixed on its own grid."""
        if not self.block.has_mix:
            self.template.side = {}
            return x, {}
        functional.reset_net(self.block)
        self.template.tokens, self.template.side = self.block.mix(self.template.tokens,
                                                                  self.template.hw)
        functional.reset_net(self.block)
        return self.block.mix(x, hw)

    def tokenwise(self, x: torch.Tensor, **side: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` kept search tokens -> ``[T, B, C, K]``, run jointly with the
        template tokens."""
        z = self.template.tokens
        n = z.shape[-1]
        joint_side = {k: torch.cat([self.template.side[k], v], dim=-1) for k, v in side.items()}
        functional.reset_net(self.block)
        out = self.block.tokenwise(torch.cat([z, x], dim=-1), **joint_side)
        self.template.tokens = out[..., :n]
        return out[..., n:]
