"""Token scorers on hand-made inputs. Tokens: [T, B, C, N]."""
import math

import pytest
import torch
import torch.nn.functional as F

from helpers.pruning_toys import ToyAttentionBlock, ToyBlock
from helpers.released_formulas import released_score
from tpmm.pruning import (AttentionTokenScorer, CombinedTokenScorer, FiringRateTokenScorer,
                          RandomTokenScorer, SpatialTokenScorer, TemporalTokenScorer,
                          build_scorer)
from tpmm.pruning.scorers.spatial_scorer import sum_over_time, window_mean


def grid_tokens(rows, t: int = 1) -> torch.Tensor:
    """Channel vectors laid out on a grid (``rows[h][w]`` = list of C values) ->
    ``[T, 1, C, H*W]``, the same at every timestep."""
    grid = torch.tensor(rows, dtype=torch.float)  # [H, W, C]
    h, w, c = grid.shape
    return grid.reshape(h * w, c).t()[None, None].repeat(t, 1, 1, 1)


def test_temporal_changing_token_outranks_constant_ones():
    # tokens: 0 flips on/off over time, 1 always fires, 2 never fires, 3 fires once
    pattern = torch.tensor([[1., 1., 0., 0.], [0., 1., 0., 0.], [1., 1., 0., 1.]])  # [T, N]
    x = pattern[:, None, None, :].repeat(1, 1, 3, 1)
    scores = TemporalTokenScorer()(x, (2, 2))
    assert scores.shape == (1, 4)
    assert scores[0, 0] > scores[0, 3] > scores[0, 1]
    assert scores[0, 1] == scores[0, 2]
    assert torch.allclose(scores.sum(-1), torch.ones(1))


def test_temporal_single_timestep_is_uniform():
    x = torch.rand(1, 2, 3, 6)
    assert torch.allclose(TemporalTokenScorer()(x, (2, 3)), torch.full((2, 6), 1 / 6))


def test_spatial_token_unlike_neighbours_outranks_one_like_them():
    a, b = [1., 0.], [0., 1.]
    rows = [[a, a, a, a], [a, b, a, a], [a, a, a, a], [a, a, a, a]]
    x = grid_tokens(rows, t=2)
    depthwise = SpatialTokenScorer(kernel_size=3, mode='depthwise')(x, (4, 4))[0]
    odd, far = 5, 15  # token (1, 1) is unlike its neighbours, (3, 3) equals them
    assert depthwise[odd] == depthwise.max()
    assert depthwise[far] < depthwise[odd]
    # the channel-mixing reference sees the same channel-blind neighbourhood for both
    reference = SpatialTokenScorer(kernel_size=3, mode='reference')(x, (4, 4))[0]
    assert torch.allclose(reference[odd], reference[far])


def reference_spatial_by_hand(x: torch.Tensor, h: int, w: int, k: int, eps: float):
    """The reference formula for batch 0, written with loops."""
    t_steps, _, channels, _ = x.shape
    x_bar = [[[sum(x[t, 0, c, i * w + j].item() for t in range(t_steps)) / t_steps
               for j in range(w)] for i in range(h)] for c in range(channels)]
    raw = []
    for i in range(h):
        for j in range(w):
            # C x C all-ones k x k kernel / k^2, zero padding: the same for every channel
            window = sum(x_bar[c2][i + di][j + dj]
                         for c2 in range(channels)
                         for di in range(-(k // 2), k // 2 + 1)
                         for dj in range(-(k // 2), k // 2 + 1)
                         if 0 <= i + di < h and 0 <= j + dj < w) / (k * k)
            y = [window] * channels
            v = [x_bar[c][i][j] for c in range(channels)]
            dot = sum(p * q for p, q in zip(v, y))
            norm = math.sqrt(sum(p * p for p in v)) * math.sqrt(sum(q * q for q in y))
            raw.append(-dot / max(norm, eps))
    denom = sum(math.exp(s) for s in raw)
    return torch.tensor([math.exp(s) / denom for s in raw])


def test_spatial_reference_mode_matches_the_formula():
    gen = torch.Generator().manual_seed(3)
    x = (torch.rand(2, 1, 3, 12, generator=gen) < 0.5).float()
    x[:, :, :, 7] = 0  # one silent token
    scores = SpatialTokenScorer(kernel_size=3, mode='reference')(x, (3, 4))[0]
    expected = reference_spatial_by_hand(x, 3, 4, 3, eps=1e-6)
    assert torch.allclose(scores, expected, atol=1e-6)


def test_silent_token_in_silent_region_reference_vs_depthwise():
    on, off = [1., 1., 0.], [0., 0., 0.]
    rows = [[on, on, on, on], [on, on, on, on], [off, off, off, off], [off, off, off, off],
            [off, off, off, off]]
    x = grid_tokens(rows)
    silent = 4 * 4 + 1  # (4, 1): silent, and so is its whole neighbourhood
    reference = SpatialTokenScorer(mode='reference')(x, (5, 4))[0]
    depthwise = SpatialTokenScorer(mode='depthwise')(x, (5, 4))[0]
    active = 1  # (0, 1): fires, like its neighbours
    border = 2 * 4 + 1  # (2, 1): silent, next to active tokens
    # reference: the silent token gets the top score, above an active one
    assert reference[silent] == reference.max() and reference[silent] > reference[active]
    # depthwise: it is like its (silent) neighbours, so it gets the lowest score
    assert torch.isclose(depthwise[silent], depthwise.min())
    assert depthwise[silent] < depthwise[border]
    # a silent token next to active ones is unlike its neighbourhood
    assert depthwise[border] == depthwise.max()


def test_spatial_all_silent_input_is_uniform_and_finite():
    x = torch.zeros(2, 2, 3, 9)
    for mode in ('depthwise', 'reference'):
        scores = SpatialTokenScorer(mode=mode)(x, (3, 3))
        assert torch.allclose(scores, torch.full((2, 9), 1 / 9))


@pytest.mark.parametrize('hw', [(4, 4), (5, 3), (14, 14)])
@pytest.mark.parametrize('k', [1, 3, 7])
def test_spatial_local_means_equal_the_pooling_and_convolution_they_replace(hw, k):
    x_bar = torch.randn(2, 5, *hw)
    depthwise = SpatialTokenScorer(kernel_size=k, mode='depthwise').local_mean(x_bar)
    pooled = F.avg_pool2d(x_bar, k, stride=1, padding=k // 2, count_include_pad=False)
    assert torch.allclose(depthwise, pooled, atol=1e-5)
    reference = window_mean(x_bar.sum(dim=1, keepdim=True), k)
    conv = F.conv2d(x_bar, torch.ones(5, 5, k, k) / k**2, padding=k // 2)
    assert torch.allclose(reference.expand_as(conv), conv, atol=1e-5)


def test_spatial_l2_keeps_a_busy_patch_that_cosine_ranks_last():
    on, off = [1., 1., 1., 1.], [0., 0., 0., 0.]
    rows = [[off] * 4, [off, on, on, off], [off, on, on, off], [off] * 4]
    x = grid_tokens(rows, t=2)
    patch = {5, 6, 9, 10}
    l2 = SpatialTokenScorer(mode='depthwise', metric='l2')(x, (4, 4))[0]
    cosine = SpatialTokenScorer(mode='depthwise')(x, (4, 4))[0]
    assert set(l2.topk(4).indices.tolist()) == patch
    # cosine: the silent tokens around the patch score highest, the patch lowest
    assert set(cosine.topk(12).indices.tolist()).isdisjoint(patch)


def test_spatial_l2_is_scale_free_and_uniform_on_silence():
    x = torch.rand(2, 3, 4, 12)
    scorer = SpatialTokenScorer(mode='depthwise', metric='l2')
    assert torch.allclose(scorer(x, (3, 4)), scorer(5 * x, (3, 4)), atol=1e-6)
    assert torch.allclose(scorer(torch.zeros(1, 2, 3, 9), (3, 3)), torch.full((2, 9), 1 / 9))


def test_spatial_default_is_the_released_criterion():
    """The default scorer is the released code's: an all-ones C x C kernel through
    F.conv2d and F.cosine_similarity, written out here."""
    x = torch.randn(3, 2, 5, 6 * 7)
    x_bar = x.mean(dim=0).reshape(2, 5, 6, 7)
    local_mean = F.conv2d(x_bar, torch.ones(5, 5, 3, 3) / 9, padding=1)
    sim = F.cosine_similarity(x_bar.flatten(2), local_mean.flatten(2), dim=1, eps=1e-6)
    assert torch.allclose(SpatialTokenScorer()(x, (6, 7)), (-sim).softmax(dim=-1),
                          atol=1e-7, rtol=1e-5)
    assert CombinedTokenScorer().spatial.mode == 'reference'


@pytest.mark.parametrize('spikes', [False, True])
def test_default_scorer_has_the_released_formula_gradient(spikes):
    """The closed form stays differentiable, silent tokens included: the gradient of
    ``temporal + spatial`` through F.conv2d and F.cosine_similarity (written out in the
    helper) is twice the combined scorer's (equal weights 0.5)."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(3, 2, 5, 6 * 7, generator=gen)
    x = (x < 0.2).float() if spikes else x
    x[:, :, :, 3] = 0  # a silent token in each sample
    x.requires_grad_()
    weights = torch.randn(2, 6 * 7, generator=gen)
    (CombinedTokenScorer()(x, (6, 7)) * weights).sum().backward()
    released_x = x.detach().clone().requires_grad_()
    (released_score(released_x, (6, 7)) * weights).sum().backward()
    assert torch.isfinite(x.grad).all()
    assert torch.allclose(2 * x.grad, released_x.grad, atol=1e-6, rtol=1e-4)


def test_spatial_needs_the_full_grid():
    with pytest.raises(ValueError, match='hw=\\(3, 3\\)'):
        SpatialTokenScorer()(torch.zeros(1, 1, 2, 8), (3, 3))


def test_combined_is_the_weighted_sum_and_spatial_alone_at_t1():
    x = (torch.rand(2, 2, 4, 16) < 0.5).float()
    temporal, spatial = TemporalTokenScorer(), SpatialTokenScorer()
    combined = CombinedTokenScorer(temporal_weight=0.3, spatial_weight=0.7)
    expected = 0.3 * temporal(x, (4, 4)) + 0.7 * spatial(x, (4, 4))
    assert torch.allclose(combined(x, (4, 4)), expected)
    single = x[:1]
    assert torch.equal(combined(single, (4, 4)).argsort(dim=-1, stable=True),
                       spatial(single, (4, 4)).argsort(dim=-1, stable=True))


def test_combined_builds_its_sub_scorers_from_config():
    scorer = build_scorer(dict(type='CombinedTokenScorer',
                               spatial=dict(type='SpatialTokenScorer', kernel_size=7)))
    assert scorer.spatial.kernel_size == 7
    assert scorer.needs_grid


def test_random_scorer_seeded_and_global():
    x = torch.zeros(1, 3, 2, 10)
    first, second = RandomTokenScorer(seed=5), RandomTokenScorer(seed=5)
    assert torch.equal(first(x, (2, 5)), second(x, (2, 5)))
    assert not torch.equal(first(x, (2, 5)), RandomTokenScorer(seed=6)(x, (2, 5)))
    torch.manual_seed(1)
    a = RandomTokenScorer()(x, (2, 5))
    torch.manual_seed(1)
    b = RandomTokenScorer()(x, (2, 5))
    assert torch.equal(a, b) and a.device == x.device and a.shape == (3, 10)


@pytest.mark.parametrize('t', [1, 2, 3, 4, 8])
def test_sum_over_time_is_the_time_sum(t):
    """The spatial scorer's time sum is ``x.sum(dim=0)``, bit for bit up to T = 4 (CPU),
    and leaves x as it was."""
    x = torch.randn(t, 2, 5, 7)
    before = x.clone()
    if t <= 4:
        assert torch.equal(sum_over_time(x), x.sum(dim=0))
    else:
        torch.testing.assert_close(sum_over_time(x), x.sum(dim=0))
    assert torch.equal(x, before)


def test_firing_rate_is_the_mean_over_time_and_channels():
    x = torch.zeros(2, 1, 2, 3)
    x[0, 0, 0, 0] = 1  # token 0 fires once out of 4 (t, c) slots
    x[:, 0, :, 2] = 1  # token 2 always fires
    assert torch.equal(FiringRateTokenScorer()(x, (1, 3)), torch.tensor([[0.25, 0., 1.]]))


def test_attention_scorer_reads_the_block():
    x = torch.rand(2, 2, 4, 6)
    block = ToyAttentionBlock(4)
    assert torch.equal(AttentionTokenScorer()(x, (2, 3), block), block.attention_received(x))
    with pytest.raises(TypeError, match='ToyBlock'):
        AttentionTokenScorer()(x, (2, 3), ToyBlock(4))


@pytest.mark.parametrize('cfg,key', [
    (dict(type='SpatialTokenScorer', kernel_size=4), 'kernel_size'),
    (dict(type='SpatialTokenScorer', mode='channels'), 'mode'),
    (dict(type='SpatialTokenScorer', metric='dot'), 'metric'),
    (dict(type='SpatialTokenScorer', metric='l2'), "metric='l2'.*mode='depthwise'"),
    (dict(type='CombinedTokenScorer', spatial_weight=-1), 'spatial_weight'),
    (dict(type='CombinedTokenScorer', spatial=dict(type='Nope')), 'scorer.spatial.type'),
    (dict(type='RandomTokenScorer', seed='x'), 'seed'),
])
def test_bad_scorer_settings_name_the_key(cfg, key):
    with pytest.raises((ValueError, KeyError), match=key):
        build_scorer(cfg)
