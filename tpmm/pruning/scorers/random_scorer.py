"""Random token scores: the baseline every criterion must beat."""
from typing import Optional, Tuple

import torch
from torch import nn

from tpmm.registry import MODELS
from .base_scorer import BaseTokenScorer


@MODELS.register_module()
class RandomTokenScorer(BaseTokenScorer):
    """Uniform random scores in ``[0, 1)``, drawn on ``x``'s device.

    Args:
        seed (int, optional): ``None`` draws from torch's global RNG of that device
            (so ``torch.manual_seed`` controls it). An integer gives the scorer its
            own generator, seeded once on first use on a device: the sequence of
            selections of a run is then reproducible whatever else uses the global
            RNG.
    """

    def __init__(self, seed: Optional[int] = None):
        super().__init__()
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f'RandomTokenScorer seed must be an int or None, '
                             f'got seed={seed!r}')
        self.seed = seed
        self._generators = {}

    def generator(self, device: torch.device) -> Optional[torch.Generator]:
        """This scorer's generator on ``device`` (``None`` without a seed)."""
        if self.seed is None:
            return None
        key = str(device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[key]

    def forward(self, x: torch.Tensor, hw: Tuple[int, int],
                block: Optional[nn.Module] = None) -> torch.Tensor:
        """``x``: ``[T, B, C, N]`` -> ``[B, N]`` uniform in ``[0, 1)``."""
        self.check_input(x, name=type(self).__name__)
        return torch.rand(x.shape[1], x.shape[3], device=x.device,
                          generator=self.generator(x.device))
