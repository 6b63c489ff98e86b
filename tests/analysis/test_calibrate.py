"""Pruning to a FLOPs budget: the calibrated schedule meets it, the search is
deterministic, and an unreachable budget names the maximum reduction."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from helpers.tool_scripts import load_tool
from projects.classification import make_digits
from tpmm.evaluation import KeepScheduleCalibrator, count_flops
from tpmm.pruning import build_pruner
from tpmm.registry import MODELS

calibrate = load_tool('analysis/calibrate.py')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIGITS_CONFIG = osp.join(ROOT, 'projects', 'classification', 'configs', 'sdt_v1_digits.py')
BACKBONE = dict(type='SDTV1', arch=dict(embed_dims=32, depth=3, num_heads=2, mlp_ratio=4.0),
                T=2, out_type='pooled')


def make_backbone():
    """Random weights with batch-norm in training mode, so that neurons fire."""
    torch.manual_seed(0)
    return MODELS.build(BACKBONE).train()


def batches():
    gen = torch.Generator().manual_seed(1)
    return [torch.randn(4, 3, 64, 64, generator=gen)]


def flops_with(backbone, pruning, image):
    """Backbone FLOPs per image with ``pruning`` (counted on a real forward)."""
    backbone.pruner = build_pruner(pruning, backbone.num_prunable_blocks)
    return count_flops(backbone, image)['total']


def test_calibrated_schedule_meets_the_budget_and_is_deterministic():
    backbone, data = make_backbone(), batches()
    result = KeepScheduleCalibrator(backbone, data, step=0.5).search(0.08)
    unpruned = flops_with(backbone, None, data[0][:1])
    target = 0.92 * unpruned
    pruned = flops_with(backbone, dict(type='IRToP', keep_schedule=result.keep_schedule,
                                       schedule_unit='tokens'), data[0][:1])
    assert abs(pruned - target) <= 0.02 * target
    assert (result.unpruned_flops, result.flops) == (unpruned, pruned)
    assert result.grid_tokens == [16] * 3
    assert all(int(r * n) == k for r, n, k in
               zip(result.keep_schedule, result.grid_tokens, result.kept_tokens))
    again = KeepScheduleCalibrator(make_backbone(), batches(), step=0.5).search(0.08)
    assert again.kept_tokens == result.kept_tokens and again.history == result.history


def test_search_spends_the_budget_where_outputs_change_least():
    """Each accepted step had the lowest distortion per FLOP among the blocks."""
    backbone, data = make_backbone(), batches()
    calibrator = KeepScheduleCalibrator(backbone, data, step=0.25)
    result = calibrator.search(0.04)
    assert result.distortion > 0 and len(result.history) >= 1
    first_block, first_kept, first_flops, first_distortion = result.history[0]
    costs = {}
    for i in range(3):
        trial = [16] * 3
        trial[i] = 12
        flops, distortion = calibrator.measure(trial)
        costs[i] = distortion / (result.unpruned_flops - flops)
    if first_kept == 12:  # the first step was not shortened to meet the budget
        assert first_block == min(costs, key=costs.get)


def test_unreachable_budget_names_the_maximum_reduction():
    backbone, data = make_backbone(), batches()
    # every block at max(1, int(0.1 * 16)) = 1 token
    minimum = dict(type='IRToP', keep_schedule=[1.5 / 16] * 3, schedule_unit='tokens')
    reachable = 1 - flops_with(backbone, minimum, data[0][:1]) / flops_with(
        backbone, None, data[0][:1])
    with pytest.raises(ValueError, match=f'at most {reachable:.1%}'):
        KeepScheduleCalibrator(make_backbone(), data).search(0.95)


def linear_latency(backbone):
    """A latency model for the tests: 1 ms per MFLOP of the backbone's current pruner
    (counted here on a forward, independently of the calibrator)."""
    return count_flops(backbone, torch.zeros(1, 3, 64, 64))['total'] / 1e6


def test_latency_search_stops_at_the_first_schedule_within_the_target():
    backbone, data = make_backbone(), batches()
    unpruned_ms = flops_with(backbone, None, data[0][:1]) / 1e6
    target_ms = 0.9 * unpruned_ms
    calibrator = KeepScheduleCalibrator(make_backbone(), data, step=0.25,
                                        latency=linear_latency)
    result = calibrator.search_latency(target_ms)
    pruning = dict(type='IRToP', keep_schedule=result.keep_schedule, schedule_unit='tokens')
    assert flops_with(backbone, pruning, data[0][:1]) / 1e6 == result.latency_ms <= target_ms
    assert result.unpruned_latency_ms == unpruned_ms
    # one step less would have missed the target: the search spends no more than needed
    before = [16] * 3
    for block, kept, _, _ in result.history[:-1]:
        before[block] = kept
    previous = dict(type='IRToP', keep_schedule=[min(1.0, (k + 0.5) / 16) for k in before],
                    schedule_unit='tokens')
    assert flops_with(backbone, previous, data[0][:1]) / 1e6 > target_ms
    # the same greedy steps as the FLOPs search
    flops_result = KeepScheduleCalibrator(make_backbone(), data, step=0.25).search(
        1 - result.flops / result.unpruned_flops)
    assert flops_result.history[:len(result.history) - 1] == result.history[:-1]


def test_unreachable_latency_names_the_fastest_time():
    backbone, data = make_backbone(), batches()
    minimum = dict(type='IRToP', keep_schedule=[1.5 / 16] * 3, schedule_unit='tokens')
    fastest_ms = flops_with(backbone, minimum, data[0][:1]) / 1e6
    calibrator = KeepScheduleCalibrator(make_backbone(), data, latency=linear_latency)
    with pytest.raises(ValueError, match=f'takes {fastest_ms:.2f} ms'):
        calibrator.search_latency(0.5 * fastest_ms)


def test_latency_search_that_ends_above_the_target_says_so():
    """Timing noise: the fastest schedule measured 1.5x slower during the search than in
    the reachability check; the search must not return a schedule that misses."""
    calls = []

    def noisy_latency(backbone):
        calls.append(None)
        return linear_latency(backbone) * (1.0 if len(calls) <= 2 else 1.5)

    data = batches()
    minimum = dict(type='IRToP', keep_schedule=[1.5 / 16] * 3, schedule_unit='tokens')
    fastest_ms = flops_with(make_backbone(), minimum, data[0][:1]) / 1e6
    calibrator = KeepScheduleCalibrator(make_backbone(), data, step=0.5,
                                        latency=noisy_latency)
    with pytest.raises(ValueError, match='was not reached.*timing noise'):
        calibrator.search_latency(1.2 * fastest_ms)


def test_calibrate_tool_writes_an_overlay_that_meets_the_budget(tmp_path):
    data_root = str(tmp_path / 'digits')  # the config's stock CustomDataset reads files
    make_digits.main(['--out-dir', data_root, '--num-digits', '4', '--placements', '1', '1', '1'])
    cfg = Config.fromfile(DIGITS_CONFIG)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # an mmpretrain ImageClassifier
        model = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'digits.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    out = tmp_path / 'calibrated.py'
    result, written = calibrate.main([
        DIGITS_CONFIG, str(checkpoint), '--target-flops-reduction', '0.08',
        '--num-images', '4', '--batch-size', '4', '--step', '0.5', '--out', str(out),
        '--cfg-options', f'train_dataloader.dataset.data_root={data_root}'])
    assert written == str(out)
    text = out.read_text()
    assert '# budget: -8.0% backbone FLOPs' in text and '4 train images (seed 0)' in text
    pruning = Config.fromfile(str(out)).model.backbone.pruning
    assert pruning.keep_schedule == result.keep_schedule
    backbone = model.backbone.eval()
    image = torch.zeros(1, 3, 64, 64)
    unpruned = flops_with(backbone, None, image)
    pruned = flops_with(backbone, pruning.to_dict(), image)
    assert abs(pruned - 0.92 * unpruned) <= 0.02 * 0.92 * unpruned


def test_calibrate_tool_keeps_the_least_distorting_criterion(tmp_path):
    data_root = str(tmp_path / 'digits')
    make_digits.main(['--out-dir', data_root, '--num-digits', '4', '--placements', '1', '1', '1'])
    cfg = Config.fromfile(DIGITS_CONFIG)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    for module in model.modules():  # an untrained net is silent in eval mode: make it fire
        if isinstance(module, torch.nn.BatchNorm2d):
            module.weight.data.fill_(4.0)
    checkpoint = tmp_path / 'digits.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    out = tmp_path / 'calibrated.py'
    args = [DIGITS_CONFIG, str(checkpoint), '--target-flops-reduction', '0.08',
            '--num-images', '4', '--batch-size', '4', '--step', '0.5', '--out', str(out),
            '--cfg-options', f'train_dataloader.dataset.data_root={data_root}']
    distortion = {}
    for overlay in ('irtop_k0.5', 'irtop_l2_k0.5'):
        result, _ = calibrate.main(args + ['--pruning', overlay])
        distortion[overlay] = result.distortion
    assert distortion['irtop_k0.5'] != distortion['irtop_l2_k0.5']
    result, _ = calibrate.main(args + ['--pruning', 'irtop_k0.5', 'irtop_l2_k0.5'])
    best = min(distortion, key=distortion.get)
    assert result.distortion == distortion[best]
    text = out.read_text()
    assert f'criterion of {best}' in text and 'criteria tried: irtop_k0.5' in text
    scorer = Config.fromfile(str(out)).model.backbone.pruning.scorer
    assert (scorer.get('spatial', {}).get('metric') == 'l2') == (best == 'irtop_l2_k0.5')
