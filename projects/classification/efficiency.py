"""Realized speedup vs the FLOPs bound, and pruning overhead, of the study's backbones.

    python -m projects.classification.efficiency [--models NAME ...] [--shape H W]
        [--batch B] [--keep 0.7 0.5] [--sweep 224 512 1024] [--sweep-models NAME ...]
        [--repeats N] [--out-dir DIR]

Runs ``tools/analysis/benchmark.py`` (a process per model) on each model with IRToP at
each ``--keep`` ratio (unpruned first, interleaved repetitions), and the size sweep for
``--sweep-models``; writes ``benchmark_<name>.json`` per model and ``efficiency.md``, a
table of images/s, FLOPs bound, realized speedup, speedup/bound, pruner overhead share
(and its parts: scoring, top-k, gather / restore) and the blocks' share of backbone
time, checked against the targets (speedup >= 0.85 x bound, overhead <= 3 % of backbone
time). The models are the study's five classifiers and the paper-size SDT-V1 8-384
backbone (``sdt_v1-8-384``, T=1, untrained: speed does not depend on the weights).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
from typing import List

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCHMARK = osp.join(REPO_ROOT, 'tools', 'analysis', 'benchmark.py')
PROJECT_DIR = osp.dirname(osp.abspath(__file__))
#: name -> (config, --cfg-options)
MODELS = {name: (osp.join(PROJECT_DIR, 'configs', f'{name}_digits.py'), [])
          for name in ('spikformer', 'sdt_v1', 'qkformer', 'sdt_v2', 'sdt_v3')}
MODELS['sdt_v1-8-384'] = (osp.join(REPO_ROOT, 'configs', 'detection',
                                   'mask-rcnn_sdtv1-8-384_fpn_8xb2-1x_coco.py'),
                          ['model.backbone.T=1'])
MODEL_NAMES = tuple(MODELS)
SPEEDUP_TARGET = 0.85
OVERHEAD_TARGET = 0.03


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument('--shape', nargs=2, type=int, default=[224, 224])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--keep', nargs='+', type=float, default=[0.7, 0.5])
    parser.add_argument('--sweep', nargs='*', type=int, default=[224, 512, 1024])
    parser.add_argument('--sweep-models', nargs='*', default=['sdt_v1-8-384'],
                        choices=MODEL_NAMES)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--out-dir', default=osp.join(PROJECT_DIR, 'results'))
    return parser.parse_args(argv)


def overlay_file(folder: str, keep: float) -> str:
    """Write an IRToP overlay at ``keep`` into ``folder``; returns its path."""
    path = osp.join(folder, f'irtop_k{keep:g}.py')
    with open(path, 'w') as f:
        f.write('model = dict(backbone=dict(pruning=dict(_delete_=True, type="IRToP", '
                f'keep_ratio={keep!r}, scorer=dict(type="CombinedTokenScorer"))))\n')
    return path


def run_benchmark(args: List[str], out: str) -> dict:
    """``tools/analysis/benchmark.py ARGS --out OUT`` in its own process; its results."""
    proc = subprocess.run([sys.executable, BENCHMARK, *args, '--out', out], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'{BENCHMARK} failed:\n{(proc.stdout + proc.stderr)[-3000:]}')
    with open(out) as f:
        return json.load(f)


def row(name, variant, r):
    ok_speed = r['speedup_vs_bound'] >= SPEEDUP_TARGET
    ok_over = r['overhead']['overhead_share'] <= OVERHEAD_TARGET
    return (f'| {name} | {variant} | {r["images_per_s"]["median"]:.1f} '
            f'(IQR {100 * r["images_per_s"]["rel_iqr"]:.0f}%) | {r["backbone_gflops"]:.3f} | '
            f'{r["flops_ratio"]:.2f} | {r["speedup"]:.2f} | {r["speedup_vs_bound"]:.2f} '
            f'{"ok" if ok_speed else "MISS"} | {100 * r["overhead"]["overhead_share"]:.1f}% '
            f'{"ok" if ok_over else "MISS"} | {overhead_parts(r["overhead"])} | '
            f'{100 * r["block_time_share"]:.0f}% | {r["block_speedup"]:.2f} |')


def overhead_parts(overhead: dict) -> str:
    """``scoring / top-k / gather-restore`` as % of backbone time."""
    backbone = overhead['backbone_ms']
    return ' / '.join(f'{100 * overhead[key] / backbone:.1f}'
                      for key in ('scoring_ms', 'top_k_ms', 'gather_restore_ms'))


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    folder = tempfile.mkdtemp(prefix='tpmm_overlays_')
    overlays = [overlay_file(folder, k) for k in args.keep]
    lines = [f'## Backbone throughput at {args.shape[0]}x{args.shape[1]}, batch {args.batch} '
             f'(CPU, interleaved repetitions)', '',
             '| backbone | variant | images/s (median) | GFLOPs | FLOPs bound | speedup | '
             f'speedup / bound (target >= {SPEEDUP_TARGET}) | pruner overhead '
             f'(target <= {OVERHEAD_TARGET:.0%}) | overhead: scoring / top-k / gather-restore '
             '(% of backbone time) | blocks\' share of time | block speedup |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    sweeps = []
    for name in args.models:
        config, options = MODELS[name]
        out = osp.join(args.out_dir, f'benchmark_{name}.json')
        sweep = args.sweep if name in args.sweep_models else []
        result = run_benchmark(
            [config, '--pruning', *overlays, '--shape', *map(str, args.shape), '--batch',
             str(args.batch), '--repeats', str(args.repeats), '--sweep', *map(str, sweep)] +
            (['--cfg-options', *options] if options else []), out)
        for variant, r in result['main']['results'].items():
            if variant != 'unpruned':
                lines.append(row(name, variant, r))
        for point in result['sweep']:
            for variant, r in point['results'].items():
                if variant != 'unpruned':
                    sweeps.append((name, point, variant, r))
    if sweeps:
        lines += ['', '## Size sweep (batch 1): speedup vs token count', '',
                  '| backbone | input | tokens kept / grid (first pruned block) | variant | '
                  'images/s | '
                  'FLOPs bound | speedup | speedup / bound | overhead | blocks\' share of time '
                  '| block speedup |', '|---|---|---|---|---|---|---|---|---|---|---|']
        for name, point, variant, r in sweeps:
            kept = next(iter(r['kept_tokens'].values()), [None, None])
            lines.append(f'| {name} | {point["shape"][0]}x{point["shape"][1]} | '
                         f'{kept[0]}/{kept[1]} | {variant} | {r["images_per_s"]["median"]:.2f} | '
                         f'{r["flops_ratio"]:.2f} | {r["speedup"]:.2f} | '
                         f'{r["speedup_vs_bound"]:.2f} | '
                         f'{100 * r["overhead"]["overhead_share"]:.1f}% | '
                         f'{100 * r["block_time_share"]:.0f}% | {r["block_speedup"]:.2f} |')
    with open(osp.join(args.out_dir, 'efficiency.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
