"""benchmark.py, energy.py and vis_tokens.py run on a tiny backbone and write their JSON."""
import json
import os.path as osp
from dataclasses import asdict

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from helpers.analysis_test_utils import TINY_BACKBONE
from helpers.tool_scripts import REPO_ROOT, load_tool
from tpmm.analysis import (BenchmarkSettings, allocator_warning, backbone_config,
                           build_backbone, build_variant_backbones, speedup_verdict)

benchmark = load_tool('analysis/benchmark.py')
energy = load_tool('analysis/energy.py')
vis_tokens = load_tool('analysis/vis_tokens.py')

MEASUREMENT_KEYS = {'images_per_s', 'backbone_gflops', 'flops_ratio', 'speedup',
                    'speedup_vs_bound', 'kept_tokens', 'overhead', 'block_time_share',
                    'block_speedup'}
OVERHEAD_KEYS = {'pruner_ms', 'block_ms', 'overhead_ms', 'scoring_ms', 'top_k_ms',
                 'gather_restore_ms', 'backbone_ms', 'overhead_share', 'scoring_share',
                 'top_k_share'}


def test_benchmark_settings_default_to_the_command_line_defaults():
    from_cli = asdict(BenchmarkSettings.from_args(benchmark.parse_args(['config.py'])))
    assert from_cli == dict(asdict(BenchmarkSettings()), shape=[224, 224], sweep=[])


def test_benchmark_measures_every_variant_and_the_sweep(tiny_config, overlay, tmp_path):
    out = tmp_path / 'bench.json'
    half = overlay('irtop_half', type='IRToP', keep_ratio=0.5)
    result = benchmark.main([tiny_config, '--pruning', half, '--shape', '32', '32',
                             '--batch', '2', '--sweep', '32', '64', '--warmup', '0',
                             '--repeats', '2', '--iters', '1', '--out', str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert result['variants'] == ['unpruned', 'irtop_half']
    assert result['pruning']['irtop_half'] == dict(type='IRToP', keep_ratio=0.5)
    main = result['main']
    assert main['shape'] == [32, 32] and main['batch'] == 2
    base, pruned = main['results']['unpruned'], main['results']['irtop_half']
    for r in (base, pruned):
        assert MEASUREMENT_KEYS <= set(r) and OVERHEAD_KEYS == set(r['overhead'])
        assert len(r['images_per_s']['samples']) == 2
        assert r['images_per_s']['min'] <= r['images_per_s']['median'] <= r['images_per_s']['max']
    assert base['flops_ratio'] == 1.0 and base['kept_tokens'] == {}
    assert pruned['backbone_gflops'] < base['backbone_gflops']
    assert pruned['flops_ratio'] == pytest.approx(
        base['backbone_gflops'] / pruned['backbone_gflops'])
    assert pruned['speedup_vs_bound'] == pytest.approx(
        pruned['speedup'] / pruned['flops_ratio'])
    assert pruned['kept_tokens'] and all(k < n for k, n in pruned['kept_tokens'].values())
    assert base['block_speedup'] == 1.0 and 0 < pruned['block_time_share'] < 1
    assert pruned['block_speedup'] == pytest.approx(
        base['overhead']['block_ms'] / pruned['overhead']['block_ms'])
    assert [p['long_side'] for p in result['sweep']] == [32, 64]
    assert result['sweep'][1]['shape'] == [64, 64] and result['sweep'][1]['batch'] == 1
    small, large = (p['results']['unpruned']['backbone_gflops'] for p in result['sweep'])
    assert large > 3 * small  # 4x the pixels


def test_benchmark_times_a_training_step_per_variant(tiny_config, overlay):
    half = overlay('irtop_half', type='IRToP', keep_ratio=0.5)
    result = benchmark.main([tiny_config, '--pruning', half, '--shape', '32', '32',
                             '--batch', '2', '--warmup', '0', '--repeats', '2', '--iters', '1',
                             '--train-step'])
    assert result['settings']['train_step'] is True
    base, pruned = (result['main']['results'][v]['train_step'] for v in result['variants'])
    assert base['speedup'] == 1.0 and base['peak_memory_mb'] is None  # CPU: no peak memory
    assert pruned['images_per_s']['median'] > 0 and len(pruned['images_per_s']['samples']) == 2
    assert pruned['speedup'] == pytest.approx(
        pruned['images_per_s']['median'] / base['images_per_s']['median'])


def test_benchmark_hints_at_the_glibc_allocator_only_for_cpu_on_linux():
    hint = allocator_warning('cpu', {}, 'linux')
    assert 'MALLOC_MMAP_THRESHOLD_' in hint and 'MALLOC_TRIM_THRESHOLD_' in hint
    assert allocator_warning('cpu', {'MALLOC_MMAP_THRESHOLD_': '1'}, 'linux') is None
    assert allocator_warning('cuda', {}, 'linux') is None
    assert allocator_warning('cpu', {}, 'darwin') is None


def test_benchmark_rejects_a_shape_off_the_stride(tiny_config):
    with pytest.raises(ValueError, match='stride'):
        benchmark.main([tiny_config, '--shape', '30', '32', '--repeats', '1'])


def test_tools_find_a_trackers_detector_backbone():
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'tracking',
                                   'bytetrack_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py'))
    assert backbone_config(cfg)['type'] == cfg.model.detector.backbone.type
    with pytest.raises(KeyError, match='model.detector.backbone'):
        backbone_config(Config(dict(model=dict(type='ByteTrack'))))


def test_energy_keep_one_equals_unpruned_and_costs_are_configurable(tiny_config, overlay,
                                                                     tmp_path):
    keep_all = overlay('irtop_all', type='IRToP', keep_ratio=1.0)
    half = overlay('irtop_half', type='IRToP', keep_ratio=0.5)
    out = tmp_path / 'energy.json'
    args = [tiny_config, '--pruning', keep_all, half, '--shape', '32', '32',
            '--image', 'astronaut']
    result = energy.main(args + ['--out', str(out)])
    assert json.loads(out.read_text())['variants'] == ['unpruned', 'irtop_all', 'irtop_half']
    base, same = result['results']['unpruned'], result['results']['irtop_all']
    for key in ('totals', 'layers', 'firing_rates', 'simple_energy', 'groups'):
        assert same[key] == base[key], key
    totals = base['totals']
    assert totals['synop'] > 0 and totals['mac'] > 0
    assert totals['energy_pj'] == pytest.approx(4.6 * totals['mac'] + 0.9 * totals['synop'])
    assert sum(row['synop'] for row in base['layers'].values()) == pytest.approx(totals['synop'])
    assert all(0 <= f['rate'] <= 1 for f in base['firing_rates'].values())
    assert base['firing_rates'] and 0 < base['mean_firing_rate'] < 1
    pruned = result['results']['irtop_half']['totals']
    assert pruned['pruner_ac'] > 0 and totals['pruner_ac'] == 0
    costly = energy.main([tiny_config, '--shape', '32', '32', '--image', 'astronaut',
                          '--e-ac', '1.8', '--e-mac', '0'])
    c = costly['results']['unpruned']['totals']
    assert c['synop'] == totals['synop'] and c['energy_pj'] == pytest.approx(1.8 * c['synop'])


def test_vis_tokens_writes_panels_of_the_expected_size(tiny_config, tmp_path):
    out_dir = tmp_path / 'vis'
    panel = 40
    result = vis_tokens.main([tiny_config, '--images', 'astronaut', '--scorers',
                              'CombinedTokenScorer', 'RandomTokenScorer', '--keep-ratio',
                              '0.5', '--shape', '32', '32', '--panel-size', str(panel),
                              '--out-dir', str(out_dir)])
    assert result['variants'] == ['irtop-combined', 'irtop-random']
    saved = json.loads((out_dir / 'token_information.json').read_text())
    assert set(saved) >= {'per_image', 'summary', 'pngs', 'keep_ratio', 'variants'}
    run = saved['per_image']['astronaut']['irtop-combined']
    assert run['points'] and run['feature_error'] >= 0
    for point in run['points']:
        assert point['kept'] < point['tokens']
        assert 0 <= point['entropy']['auroc'] <= 1
    cols = 1 + max(len(saved['per_image']['astronaut'][v]['points']) for v in saved['variants'])
    width, height = Image.open(saved['pngs'][0]).size
    assert osp.basename(saved['pngs'][0]) == 'astronaut.png'
    assert (width, height) == (vis_tokens.GAP + cols * (panel + vis_tokens.GAP),
                               vis_tokens.GAP + 2 * (vis_tokens.CAPTION + panel + vis_tokens.GAP))


def quick_benchmark(*args, size: int = 32):
    return benchmark.main([*args, '--shape', str(size), str(size), '--batch', '1',
                           '--warmup', '0', '--repeats', '2', '--iters', '1'])


def test_benchmark_applies_pruning_cfg_options_to_the_overlays(tiny_config):
    # 64 x 64: a 4 x 4 grid, where int(0.7 * 16) = 11 and int(0.5 * 16) = 8 tokens differ
    tuned = quick_benchmark(tiny_config, '--pruning', 'irtop_k0.7', '--cfg-options',
                            'model.backbone.pruning.keep_ratio=0.5', size=64)
    name = 'irtop_k0.7[keep_ratio=0.5]'
    assert tuned['variants'] == ['unpruned', name]
    assert tuned['pruning'][name]['keep_ratio'] == 0.5
    plain = quick_benchmark(tiny_config, '--pruning', 'irtop_k0.5', 'irtop_k0.7', size=64)
    gflops = {v: r['backbone_gflops'] for v, r in plain['main']['results'].items()}
    assert gflops['irtop_k0.5'] < gflops['irtop_k0.7']
    assert tuned['main']['results'][name]['backbone_gflops'] == gflops['irtop_k0.5']


def test_analysis_tools_refuse_pruning_cfg_options_without_an_overlay(tiny_config):
    with pytest.raises(ValueError, match=r'model\.backbone\.pruning\.keep_ratio.*--pruning'):
        quick_benchmark(tiny_config, '--cfg-options', 'model.backbone.pruning.keep_ratio=0.5')


def test_benchmark_reports_the_noise_floor_and_flags_slowdowns(tiny_config):
    result = quick_benchmark(tiny_config, '--pruning', 'none', 'irtop_k0.5')
    main = result['main']
    base = np.asarray(main['results']['unpruned']['images_per_s']['samples'])
    p25, median, p75 = np.percentile(base, [25, 50, 75])
    assert main['noise_floor'] == pytest.approx((p75 - p25) / median)
    for name, r in main['results'].items():
        paired = np.asarray(r['images_per_s']['samples']) / base
        assert [r['speedup_rounds']['p25'], r['speedup_rounds']['p75']] == pytest.approx(
            np.percentile(paired, [25, 75]).tolist())
        if name != 'unpruned':
            assert r['verdict'].startswith('slowdown' if r['speedup'] < 1 else 'faster')
            assert r['verdict'].endswith('(within noise)') == (
                abs(r['speedup'] - 1) <= main['noise_floor'])


def test_speedup_verdicts():
    assert speedup_verdict(0.914, 0.05) == 'slowdown'
    assert speedup_verdict(0.98, 0.05) == 'slowdown (within noise)'
    assert speedup_verdict(1.167, 0.21) == 'faster (within noise)'
    assert speedup_verdict(1.3, 0.21) == 'faster'


def test_benchmark_times_a_trackers_detector_as_the_full_model():
    config = osp.join(REPO_ROOT, 'configs', 'tracking',
                      'bytetrack_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py')
    result = quick_benchmark(config, '--pruning', 'irtop_k0.5', '--full-model')
    for r in result['main']['results'].values():
        assert r['full_model']['call'] == 'tensor'
        assert r['full_model']['gflops'] > r['backbone_gflops'] > 0


def save_backbone(path, prefix='', extra=None, **overrides):
    torch.manual_seed(1)
    backbone = build_backbone({**TINY_BACKBONE, **overrides})
    state = {prefix + k: v for k, v in backbone.state_dict().items()}
    torch.save(dict(state_dict={**state, **(extra or {})}), str(path))
    return backbone


def test_tools_load_a_full_model_checkpoint_and_refuse_another_model(tiny_config, tmp_path):
    full = tmp_path / 'full.pth'
    saved = save_backbone(full, 'backbone.', {'neck.conv.weight': torch.zeros(2)})
    result = energy.main([tiny_config, '--shape', '32', '32', '--checkpoint', str(full)])
    torch.manual_seed(0)
    random = energy.main([tiny_config, '--shape', '32', '32'])
    assert result['results']['unpruned']['totals'] != random['results']['unpruned']['totals']
    loaded = build_variant_backbones(TINY_BACKBONE, {'unpruned': None}, str(full))['unpruned']
    for key, value in saved.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key

    wrong = tmp_path / 'wrong.pth'
    save_backbone(wrong, 'backbone.', arch='tiny', type='SDTV2')
    for tool in (energy, benchmark, vis_tokens):
        with pytest.raises(RuntimeError, match=r'wrong\.pth.*missing keys.*unexpected keys'):
            tool.main([tiny_config, '--shape', '32', '32', '--checkpoint', str(wrong)])
