"""What a pruner knows about a stage while it runs, and what it reports."""
from typing import NamedTuple, Tuple

import torch


class PruningRecord(NamedTuple):
    """One pruned block of a forward.

    Attributes:
        block_index: backbone-wide index of the prunable block.
        hw: ``(H, W)`` token grid of the block's stage.
        kept_index: ``[B, K]`` grid positions of the tokens the block ran on (ToMe:
            the smallest grid position each merged token stands for).
    """

    block_index: int
    hw: Tuple[int, int]
    kept_index: torch.Tensor


class PruningContext:
    """State of one stage: the full token layout and what has been pruned so far.

    Attributes:
        hw: token grid ``(H, W)`` of the stage.
        num_tokens: ``N = H * W``.
        records: a :class:`PruningRecord` per pruned block of the stage.
        extra: free slot for a pruner's own state (sticky masks, merge maps, ...).
    """

    def __init__(self, hw: Tuple[int, int]):
        self.hw = (int(hw[0]), int(hw[1]))
        self.num_tokens = self.hw[0] * self.hw[1]
        self.records = []
        self.extra = {}

    def record(self, block_index: int, kept_index: torch.Tensor) -> None:
        """Add the record of a pruned block (``kept_index`` ``[B, K]``)."""
        self.records.append(PruningRecord(int(block_index), self.hw, kept_index))
