"""projects/natural_clutter: the study's configs build on stock mmpretrain components, its
matched-FLOPs search picks the closest reachable point, and its intervals and paired
differences agree with independent computations."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

from helpers.spiking_backbone_checks import REPO_ROOT
from projects.natural_clutter import report, study
from projects.natural_clutter.criteria import METHODS, MIN_KEEP
from tpmm.evaluation import count_flops
from tpmm.pruning import build_pruner

CONFIGS = osp.join(REPO_ROOT, 'projects', 'natural_clutter', 'configs')


@pytest.mark.parametrize('name', study.MODEL_NAMES)
def test_each_study_config_builds_a_classifier_that_sees_a_14x14_grid(name):
    cfg = Config.fromfile(study.config_path(name))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model).eval()
    model.backbone.pruner = build_pruner(dict(type='IRToP', keep_ratio=0.5),
                                         model.backbone.num_prunable_blocks)
    with torch.no_grad():
        logits = model(torch.zeros(1, 3, study.IMAGE_SIZE, study.IMAGE_SIZE), mode='tensor')
    assert logits.shape == (1, 10)
    grids = {record.hw for record in model.backbone.pruner.last_records}
    assert study.IMAGE_SIZE // model.backbone.stride == 14
    assert (14, 14) in grids and min(h * w for h, w in grids) >= 14 * 14


def test_match_keep_ratio_finds_the_reachable_flops_closest_to_the_target():
    cfg = Config.fromfile(study.config_path('sdt_v1'))
    cfg.model.backbone.arch = dict(embed_dims=16, depth=2, num_heads=1, mlp_ratio=2.0)
    cfg.model.head.in_channels = 16
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model).eval()
    side = 6 * model.backbone.stride
    probe = torch.rand(1, 3, side, side)  # a 6x6 grid: 36 tokens
    pruning = METHODS['IRToP']
    reachable = set()
    # brute force: the floor and every token count above it
    for ratio in [MIN_KEEP] + [kept / 36 for kept in range(int(MIN_KEEP * 36) + 1, 37)]:
        study.set_pruning(model, dict(pruning, keep_ratio=ratio))
        reachable.add(count_flops(model.backbone, probe)['total'])
    study.set_pruning(model, None)
    full = count_flops(model.backbone, probe)['total']
    target = 0.8 * full
    ratio, flops = study.match_keep_ratio(model, pruning, target, probe)
    assert flops in reachable
    assert abs(flops - target) == min(abs(f - target) for f in reachable)
    study.set_pruning(model, dict(pruning, keep_ratio=ratio))
    assert count_flops(model.backbone, probe)['total'] == flops


def test_bootstrap_interval_matches_the_normal_approximation_for_a_large_sample():
    rng = np.random.default_rng(1)
    n, p = 4000, 0.8
    correct = rng.random(n) < p
    resamples = rng.integers(0, n, size=(2000, n))
    low, high = report.bootstrap_interval(correct.astype(float), resamples)
    mean = 100 * correct.mean()
    half_width = 100 * 1.96 * np.sqrt(p * (1 - p) / n)  # the textbook interval
    assert low < mean < high
    assert abs((high - low) / 2 - half_width) < 0.15 * half_width


def synthetic_results(n=400, seeds=(0, 1)):
    """Two seeds of one backbone: 'IRToP' correct where any random draw is plus on 40
    more images, 'spatial' correct where any random draw is, 'temporal' = random's first
    draw with 10 images flipped, 'ToMe' unreachable."""
    rng = np.random.default_rng(0)
    results, arrays = {'toy': {}}, {'toy': {}}
    for seed in seeds:
        draw = rng.random(n) < 0.6
        random = np.stack([draw, draw ^ (rng.random(n) < 0.02)])  # two draws, nearly alike
        either = random.any(0)
        extra = np.flatnonzero(~either)[:40]
        irtop = either.copy()
        irtop[extra] = True
        points = {}
        temporal = random[0].copy()
        temporal[:10] = ~temporal[:10]
        for method, correct in (('IRToP', irtop), ('spatial', either), ('temporal', temporal),
                                ('random', random)):
            points[f'{method}@0.3'] = dict(method=method, reduction=0.3, keep_ratio=0.5,
                                           gflops=0.7, reached_reduction=0.3,
                                           top1=100 * correct.mean(), fg_recall=0.5)
        points['ToMe@0.3'] = dict(method='ToMe', reduction=0.3, keep_ratio=0.01, gflops=1.0,
                                  reached_reduction=0.0, top1=None, fg_recall=None)
        results['toy'][seed] = dict(test_size=n, unpruned=dict(top1=90.0, gflops=1.0),
                                    points=points)
        arrays['toy'][seed] = {'unpruned': rng.random(n) < 0.9, 'IRToP@0.3': irtop,
                               'spatial@0.3': either, 'temporal@0.3': temporal,
                               'random@0.3': random}
    return results, arrays


def test_summary_pairs_each_criterion_with_random_over_the_same_images():
    results, arrays = synthetic_results()
    rows = report.summarize(results, arrays, 300)['toy']['rows']
    assert 'ToMe@0.3' not in rows  # unreachable: no accuracy is reported
    for seed in (0, 1):  # random averaged over its draws per image, then over images
        expected = 100 * arrays['toy'][seed]['random@0.3'].mean()
        assert rows['random@0.3']['seeds'][seed] == pytest.approx(expected)
    irtop_minus_random = np.mean([
        arrays['toy'][s]['IRToP@0.3'].mean() - arrays['toy'][s]['random@0.3'].mean()
        for s in (0, 1)])
    assert rows['IRToP@0.3']['vs_random'] == pytest.approx(100 * irtop_minus_random)
    low, high = rows['IRToP@0.3']['vs_random_ci']
    assert 0 < low < rows['IRToP@0.3']['vs_random'] < high
    # 'spatial' is correct where any draw is: it beats the draws' mean, never loses
    assert rows['spatial@0.3']['vs_random_ci'][0] >= 0
    # paired over images: 'temporal' differs from random's draws on a few images only,
    # so its interval is far narrower than that of two independent accuracies
    low, high = rows['temporal@0.3']['vs_random_ci']
    unpaired = np.hypot(*(rows[k]['ci'][1] - rows[k]['ci'][0]
                          for k in ('temporal@0.3', 'random@0.3')))
    assert high - low < 0.5 * unpaired
    text = report.markdown(report.summarize(results, arrays, 300), [0.3], 2)
    assert '| IRToP |' in text and ' +' in text.split('| IRToP |')[1].split('\n')[0]


def test_render_only_rewrites_the_report_from_the_saved_files(tmp_path):
    results, arrays = synthetic_results()
    out = tmp_path / 'results'
    out.mkdir()
    settings = vars(study.parse_args(['--reductions', '0.3', '--bootstrap', '200',
                                      '--out-dir', str(out)]))
    report.save_results(str(out), settings, results, arrays)
    with open(out / 'study.json') as f:  # seeds become strings in JSON
        assert list(json.load(f)['results']['toy']) == ['0', '1']
    summaries = study.main(['--render-only', '--out-dir', str(out)])
    assert summaries['toy']['rows']['IRToP@0.3']['top1'] == pytest.approx(np.mean([
        100 * arrays['toy'][s]['IRToP@0.3'].mean() for s in (0, 1)]))
    for name in ('results.md', 'accuracy_vs_gflops.png', 'summary.json'):
        assert os.path.getsize(out / name) > 0


def test_data_of_another_image_size_is_refused_before_any_work(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'meta/generation.json not found'):
        study.check_data(str(tmp_path))
    (tmp_path / 'meta').mkdir()
    for size in (224, study.IMAGE_SIZE):
        (tmp_path / 'meta' / 'generation.json').write_text(
            json.dumps(dict(settings=dict(image_size=size))))
        if size != study.IMAGE_SIZE:
            with pytest.raises(ValueError, match=r'generation.json: image_size 224, .* need '
                               rf'{study.IMAGE_SIZE}'):
                study.main(['--data-root', str(tmp_path), '--check-data'])
    study.main(['--data-root', str(tmp_path), '--check-data'])  # the right size passes


def test_missing_checkpoints_are_named_before_any_work(tmp_path):
    args = study.parse_args(['--models', 'sdt_v1', '--seeds', '0', '3',
                             '--work-root', str(tmp_path)])
    with pytest.raises(FileNotFoundError, match=r'sdt_v1_seed0, .*sdt_v1_seed3'):
        study.check_checkpoints(args)


def test_a_test_image_without_its_digit_mask_is_named(tmp_path):
    image = tmp_path / 'test' / '3' / '000001.png'
    with pytest.raises(FileNotFoundError, match='masks/test/3/000001.png'):
        study.TestImages.footprint(str(image), str(tmp_path))


def test_reach_table_reports_the_flops_change_of_each_family_at_keep_0_1():
    table = study.reach_table(['sdt_v1'])
    row = next(line for line in table.splitlines() if line.startswith('| sdt_v1 |'))
    cells = [cell.strip() for cell in row.strip('|').split('|')]
    model, probe, full = study.untrained('sdt_v1')
    study.set_pruning(model, dict(METHODS['IRToP'], keep_ratio=0.1))
    irtop = count_flops(model.backbone, probe)['total']
    assert cells[1] == f'{full / 1e9:.3f}'
    assert cells[2] == f'{irtop / full - 1:+.1%}' and irtop < full
    assert all(cell.endswith('%') for cell in cells[2:])


def test_calibration_settings_are_checked_before_any_work():
    with pytest.raises(ValueError, match='--calibration-reductions'):
        study.parse_args(['--calibrate', '--reductions', '0.1', '0.3',
                          '--calibration-reductions', '0.2'])
    with pytest.raises(ValueError, match='--calibration-images'):
        study.parse_args(['--calibration-images', '0'])
