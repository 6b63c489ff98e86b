"""Token ops of the pruning seam against plain Python / loop computations."""
import pytest
import torch

from tpmm.pruning import gather_tokens, scatter_tokens, top_k_indices
from tpmm.pruning.token_ops import FULL_SORT_MAX_SCORES


def reference_top_k(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Per sample: sort by (score descending, index ascending), keep k, list ascending."""
    rows = []
    for row in scores.tolist():
        order = sorted(range(len(row)), key=lambda i: (-row[i], i))
        rows.append(sorted(order[:k]))
    return torch.tensor(rows)


# 3 samples: the largest n takes the topk path (3 n > FULL_SORT_MAX_SCORES), the others the sort
@pytest.mark.parametrize('n', [7, 196, FULL_SORT_MAX_SCORES // 3 + 5])
def test_top_k_keeps_the_highest_and_breaks_ties_by_lower_index(n):
    gen = torch.Generator().manual_seed(n)
    # few distinct values: many exact ties, also across the k-th place
    scores = torch.randint(0, 5, (3, n), generator=gen).float() / 7
    scores[1] = 0.25  # one sample all tied: the k lowest indices win
    scores[2, ::3] = float('-inf')  # stopped tokens of a sticky stage
    for k in sorted({1, n // 3, n // 2 + 1, n - 1, n}):
        kept = top_k_indices(scores, k)
        assert kept.dtype == torch.long and kept.shape == (3, k)
        assert torch.equal(kept, reference_top_k(scores, k)), k
    assert torch.equal(top_k_indices(scores, n // 2)[1], torch.arange(n // 2))
    # NaN (overflowed features) counts as +inf: still valid indices, as a sort would give
    scores[0, 1::4] = float('nan')
    scores[0, 2::8] = float('inf')
    expected = reference_top_k(torch.where(scores.isnan(), float('inf'), scores), n // 2)
    assert torch.equal(top_k_indices(scores, n // 2), expected)


def test_gather_and_scatter_tokens_select_per_sample_the_same_for_every_timestep():
    x = torch.arange(2 * 3 * 4 * 6, dtype=torch.float).reshape(2, 3, 4, 6)  # [T, B, C, N]
    index = torch.tensor([[0, 5], [2, 3], [4, 1]])
    picked = gather_tokens(x, index)
    for b, tokens in enumerate(index.tolist()):
        assert torch.equal(picked[:, b], x[:, b][..., tokens])
    values = -picked
    restored = scatter_tokens(x, index, values)
    expected = x.clone()
    for b, tokens in enumerate(index.tolist()):
        expected[:, b, :, tokens] = values[:, b]
    assert torch.equal(restored, expected)
    assert not torch.equal(restored, x)  # ``full`` itself is left as it was
