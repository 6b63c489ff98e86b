"""A toy spiking backbone of prunable blocks for the pruning tests. Tokens: [T, B, C, N]."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from spikingjelly.activation_based import functional, neuron
from torch import nn

from tpmm.pruning import BaseTokenPruner, PrunableBlock, PruningRecord, build_pruner


class ToyBlock(PrunableBlock):
    """``tokenwise``: ``x + LIF(W x + mean_tokens(W x))`` (a global token interaction);
    ``interact=False`` drops the mean, so every token is processed on its own."""

    def __init__(self, channels: int, interact: bool = True):
        super().__init__()
        self.proj = nn.Linear(channels, channels)
        self.lif = neuron.LIFNode(tau=2.0, v_threshold=0.5, step_mode='m')
        self.interact = interact

    def drive(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, B, C, K]`` -> membrane drive ``[T, B, C, K]``."""
        h = self.proj(x.transpose(-1, -2)).transpose(-1, -2)
        if self.interact:
            h = h + h.mean(dim=-1, keepdim=True)
        return h

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.lif(self.drive(x))


class ToyMixBlock(ToyBlock):
    """Adds ``mix``: a 3x3 depthwise conv on the grid, also passed on as side tensor."""

    def __init__(self, channels: int, interact: bool = True):
        super().__init__(channels, interact)
        self.dw = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)

    def mix(self, x: torch.Tensor, hw: Tuple[int, int]):
        t, b, c, n = x.shape
        shift = self.dw(x.reshape(t * b, c, *hw)).reshape(t, b, c, n)
        return x + shift, dict(shift=shift)

    def tokenwise(self, x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
        return x + self.lif(self.drive(x) + shift)


class ToyAttentionBlock(ToyBlock):
    """Adds ``attention_received``: similarity of each token to the mean token."""

    def attention_received(self, x: torch.Tensor) -> torch.Tensor:
        feat = x.mean(dim=0)  # [B, C, N]
        return (feat * feat.mean(dim=-1, keepdim=True)).sum(dim=1).softmax(dim=-1)


class IdentityBlock(PrunableBlock):
    """``tokenwise`` returns its input: shows what a pruner itself does to tokens."""

    def __init__(self, channels: int = 0):
        super().__init__()

    def tokenwise(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()


class ToyBackbone(nn.Module):
    """Prunable blocks run in stages on one ``hw`` grid, driven through the seam.

    Args:
        blocks: the prunable blocks (global index = position in the list).
        pruning: pruner config (or a built pruner).
        stages: number of blocks per stage (default: one stage with all blocks).
    """

    def __init__(self, blocks: Sequence[nn.Module], pruning,
                 stages: Optional[Sequence[int]] = None):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.stages = list(stages) if stages is not None else [len(blocks)]
        assert sum(self.stages) == len(blocks)
        self.pruner: BaseTokenPruner = build_pruner(pruning, num_blocks=len(blocks))

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        functional.reset_net(self)
        self.pruner.start_forward()
        index = 0
        for depth in self.stages:
            ctx = self.pruner.begin(x, hw)
            for _ in range(depth):
                x = self.pruner.run(index, self.blocks[index], x, ctx)
                index += 1
            x = self.pruner.end(x, ctx)
        return x

    def forward_unpruned(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        functional.reset_net(self)
        for block in self.blocks:
            x = block.forward_tokens(x, hw)
        return x


def make_toy(block_cls=ToyBlock, num_blocks: int = 3, channels: int = 4, pruning=None,
             stages=None, seed: int = 0, **block_kwargs) -> ToyBackbone:
    """A toy backbone with deterministic weights, in eval mode."""
    torch.manual_seed(seed)
    blocks = [block_cls(channels, **block_kwargs) for _ in range(num_blocks)]
    return ToyBackbone(blocks, pruning, stages).eval()


def spikes(t: int, b: int, c: int, n: int, rate: float = 0.4, seed: int = 0) -> torch.Tensor:
    """Random binary spikes ``[T, B, C, N]``."""
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(t, b, c, n, generator=gen) < rate).float()


def records_by_block(records: List[PruningRecord]) -> Dict[int, torch.Tensor]:
    """``{block_index: kept_index [B, K]}``."""
    return {r.block_index: r.kept_index for r in records}
