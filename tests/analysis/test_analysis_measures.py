"""tpmm.evaluation measures: FLOPs follow the kept tokens, overhead timer, information."""
import statistics
import time

import numpy as np
import pytest
import torch
from helpers.analysis_test_utils import TINY_BACKBONE

from tpmm.analysis import build_backbone
from tpmm.evaluation import (PruningOverheadTimer, count_flops, exclusive_counts,
                             foreground_recall, kept_mask, kept_vs_stopped,
                             relative_feature_error, sum_under, token_means)
from tpmm.pruning import irtop


def build(pruning=None):
    torch.manual_seed(0)
    return build_backbone(TINY_BACKBONE, pruning)


def test_exclusive_counts_subtract_nearest_counted_descendants():
    inclusive = {'A': 10, 'A.b': 4, 'A.b.c': 1, 'A.d': 3, 'A.x.y': 2}
    own = exclusive_counts(inclusive)
    # A.x is not counted itself, so A.x.y is a nearest descendant of A
    assert own == {'A': 1, 'A.b': 3, 'A.b.c': 1, 'A.d': 3, 'A.x.y': 2}
    assert sum(own.values()) == inclusive['A']
    assert sum_under(own, 'A.b') == 4


def pruned_blocks(model, x):
    """``{block index: (module path, grid tokens N)}`` of the blocks the pruner runs."""
    timer = PruningOverheadTimer(model.pruner)
    with torch.no_grad(), timer:
        model(x)
    names = {module: name for name, module in model.named_modules()}
    root = type(model).__name__
    return {i: (f'{root}.{names[block]}', timer.stage_hw[i][0] * timer.stage_hw[i][1])
            for i, block in timer.blocks.items()}


def test_count_flops_follow_the_tokens_each_block_runs():
    x = torch.randn(1, 3, 64, 64)
    full = count_flops(build(), x)
    pruned_model = build(dict(type='IRToP', keep_ratio=0.5))
    pruned = count_flops(pruned_model, x)
    blocks = pruned_blocks(pruned_model, x)
    assert sum(full['self_per_module'].values()) == full['total']
    assert pruned['total'] < full['total']
    records = pruned_model.pruner.last_records
    assert records, 'IRToP at keep 0.5 must record its selections'
    # every token-wise layer (1x1 conv / linear) of a pruned block runs on K of N
    # tokens, so its FLOPs scale by exactly K/N; layers that mix neighbours run on the
    # full grid (ratio 1); token-token products scale by (K/N)^2.
    for index, _, kept in records:
        prefix, num_tokens = blocks[int(index)]
        ratio_expected = kept.shape[-1] / num_tokens
        assert ratio_expected == pytest.approx(0.5, abs=0.5 / num_tokens)
        names = [n for n in full['self_per_module'] if n.startswith(prefix + '.')]
        assert names, f'no counted module under {prefix}'
        for name in names:
            ratio = pruned['self_per_module'].get(name, 0) / full['self_per_module'][name]
            assert min(abs(ratio - r) for r in (ratio_expected, ratio_expected ** 2, 1.0)) < 1e-6, \
                (name, ratio, ratio_expected)
        block_ratio = sum_under(pruned['self_per_module'], prefix) / sum_under(
            full['self_per_module'], prefix)
        assert ratio_expected ** 2 - 1e-6 <= block_ratio < 1.0


def test_overhead_timer_splits_pruner_and_block_time_and_unpatches():
    model = build(dict(type='IRToP', keep_ratio=0.5))
    timer = PruningOverheadTimer(model.pruner)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad(), timer:
        model(x)
    assert set(timer.blocks) == set(range(model.num_prunable_blocks))
    assert 0 < timer.block_time < timer.pruner_time
    assert 0 < timer.scoring_time < timer.selection_time <= timer.overhead_time
    summary = timer.summary(backbone_time=10 * timer.pruner_time)
    assert summary['overhead_ms'] == pytest.approx(
        summary['scoring_ms'] + summary['top_k_ms'] + summary['gather_restore_ms'])
    assert summary['gather_restore_ms'] > 0
    assert 0 < summary['overhead_share'] < 0.1
    for name in ('begin', 'run', 'end', 'select'):
        assert name not in model.pruner.__dict__
    assert not any(name in block.__dict__ for block in timer.blocks.values()
                   for name in ('mix', 'tokenwise'))
    with pytest.raises(ValueError, match='backbone_time'):
        timer.summary(0.0)


def test_overhead_timer_puts_the_top_k_in_its_own_part(monkeypatch):
    """A top-k made 20 ms slower shows up in ``top_k_ms``, not in the other parts
    (medians of 5 forwards each); a pruner without ``select`` (ToMe) reports no top-k."""
    model = build(dict(type='IRToP', keep_ratio=0.5))
    x = torch.randn(1, 3, 64, 64)

    def parts():
        summaries = []
        for _ in range(5):
            timer = PruningOverheadTimer(model.pruner)
            with torch.no_grad(), timer:
                model(x)
            summaries.append(timer.summary(backbone_time=1.0))
        return {key: statistics.median(s[key] for s in summaries) for key in summaries[0]}

    plain = parts()
    top_k_indices = irtop.top_k_indices

    def slow_top_k(scores, k):
        time.sleep(0.02)
        return top_k_indices(scores, k)

    monkeypatch.setattr(irtop, 'top_k_indices', slow_top_k)
    slow = parts()
    added = 20 * len(model.pruner.last_records)
    assert added <= slow['top_k_ms'] < plain['top_k_ms'] + 1.5 * added
    for part in ('scoring_ms', 'gather_restore_ms'):
        assert abs(slow[part] - plain[part]) < added / 2
    tome = build(dict(type='ToMePruner', keep_ratio=0.5))
    timer = PruningOverheadTimer(tome.pruner)
    with torch.no_grad(), timer:
        tome(x)
    assert timer.summary(1.0)['top_k_ms'] == 0 < timer.overhead_time


def test_information_measures():
    grid = np.arange(16, dtype=float).reshape(4, 4)
    pixels = np.kron(grid, np.ones((2, 2)))  # 8x8 map, constant on 2x2 cells
    np.testing.assert_allclose(token_means(pixels, (4, 4)), grid.reshape(-1))
    with pytest.raises(ValueError, match='token grid'):
        token_means(pixels, (3, 3))
    values = grid.reshape(-1)
    top = kept_mask(range(8, 16), 16)
    stats = kept_vs_stopped(values, top)
    assert stats['auroc'] == 1.0 and stats['kept'] == pytest.approx(11.5)
    assert kept_vs_stopped(values, ~top)['auroc'] == 0.0
    foreground = np.zeros(16, dtype=bool)
    foreground[[0, 1, 8, 9]] = True
    assert foreground_recall(top, foreground) == 0.5
    full = torch.ones(2, 3)
    assert relative_feature_error(full, full) == 0.0
    assert relative_feature_error(torch.zeros(2, 3), full) == pytest.approx(1.0)
