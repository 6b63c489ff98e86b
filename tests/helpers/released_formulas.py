"""The released TP-Spikformer scores written out with stock torch ops, and a recorder of
what each prunable block of a backbone receives. Used to check tpmm's selections
against an independent computation.

Released code: xlzhou126/TP-Spikformer-Token-Pruned-Spiking-Transformer
(``TemporalChangeScorer``, ``LocalSpatialSimilarity``).
"""
from typing import Dict, Tuple

import torch
import torch.nn.functional as F


def released_temporal(x: torch.Tensor) -> torch.Tensor:
    """``[T, B, C, H, W]`` -> ``[B, H*W]``: softmax of ``mean_t |m_{t+1} - m_t|``."""
    m = x.mean(dim=2)
    change = (m[1:] - m[:-1]).abs().mean(dim=0)
    return F.softmax(change.flatten(1), dim=1)


def released_spatial(x: torch.Tensor, k: int) -> torch.Tensor:
    """``[T, B, C, H, W]`` -> ``[B, H*W]``: softmax of ``-cos(x_bar, conv(x_bar, 1/k^2))``
    with the all-ones ``C x C x k x k`` kernel."""
    x_bar = x.mean(dim=0)
    b, c = x_bar.shape[:2]
    local_mean = F.conv2d(x_bar, torch.ones(c, c, k, k) / (k * k), padding=k // 2)
    sim = F.cosine_similarity(x_bar.reshape(b, c, -1), local_mean.reshape(b, c, -1),
                              dim=1, eps=1e-6)
    return F.softmax(-sim, dim=1)


def released_score(tokens: torch.Tensor, hw: Tuple[int, int], k: int = 3,
                   temporal: bool = True) -> torch.Tensor:
    """``[T, B, C, N]`` on an ``hw`` grid -> ``[B, N]``: spatial (+ temporal) term."""
    t, b, c, _ = tokens.shape
    x = tokens.reshape(t, b, c, *hw)
    score = released_spatial(x, k)
    return score + released_temporal(x) if temporal else score


def assert_same_sets(kept: torch.Tensor, expected: torch.Tensor, score: torch.Tensor,
                     where: str) -> None:
    """Equal kept sets per sample (``[B, K]`` index tensors). A token may differ only if
    its ``score`` ties (to float rounding) with the k-th score of ``expected``: the order
    among ties is the one thing two implementations cannot be asked to share."""
    for b in range(kept.shape[0]):
        ours, theirs = set(kept[b].tolist()), set(expected[b].tolist())
        if ours == theirs:
            continue
        kth = score[b, expected[b]].min()
        differing = torch.tensor(sorted(ours ^ theirs))
        gap = (score[b, differing] - kth).abs().max().item()
        assert gap <= 1e-6 * kth.abs().item(), (
            f'{where}, sample {b}: kept sets differ in {sorted(ours ^ theirs)} '
            f'(score gap {gap:.3g} to the k-th score: not a float tie)')


def record_block_inputs(backbone, mixed: bool = False) -> Dict[int, tuple]:
    """``{block index: (tokens [T, B, C, N'], hw)}`` for every block the backbone's pruner
    runs. ``mixed=True`` records what each block's ``mix`` returns instead (blocks without
    ``mix``: their input), so nothing is recomputed and no neuron state is touched."""
    inputs = {}
    run = backbone.pruner.run

    def recording_run(index, block, x, ctx):
        inputs[index] = (x.detach().clone(), ctx.hw)
        mix = getattr(block, 'mix', None)
        if mixed and mix is not None:

            def recording_mix(tokens, hw):
                out = mix(tokens, hw)
                inputs[index] = (out[0].detach().clone(), ctx.hw)
                return out

            block.mix = recording_mix
            try:
                return run(index, block, x, ctx)
            finally:
                del block.mix
        return run(index, block, x, ctx)

    backbone.pruner.run = recording_run
    return inputs
