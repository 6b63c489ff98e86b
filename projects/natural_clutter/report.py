"""The natural-clutter study's statistics and report: bootstrap intervals over test
images, paired differences to random, seed spread; ``results.md`` and the plot."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np

from .criteria import FINETUNE_REDUCTION, METHODS, SELECTION_METHODS

BOOTSTRAP_SEED = 0


def bootstrap_interval(per_image: np.ndarray, resamples: np.ndarray) -> Tuple[float, float]:
    """95 % percentile interval (in %) of the mean of ``per_image`` ``[n]`` over the
    image resamples ``[B, n]`` (indices)."""
    means = per_image[resamples].mean(1)
    return tuple(100 * np.percentile(means, [2.5, 97.5]))


def per_image_mean(arrays: List[np.ndarray]) -> np.ndarray:
    """Mean correctness per image over seeds and draws: a list of ``[draws, n]`` or
    ``[n]`` arrays -> ``[n]``."""
    return np.mean([np.atleast_2d(a).mean(0) for a in arrays], 0)


def accuracy_row(arrays: Dict[int, dict], key: str, seeds: List[int],
                 resamples: np.ndarray) -> dict:
    """Top-1 of ``key`` averaged over ``seeds`` with its interval and per-seed values."""
    mean_correct = per_image_mean([arrays[s][key] for s in seeds])
    return dict(top1=100 * mean_correct.mean(), ci=bootstrap_interval(mean_correct, resamples),
                seeds={s: 100 * np.atleast_2d(arrays[s][key]).mean() for s in seeds})


def summarize(results: Dict[str, Dict[int, dict]], arrays: Dict[str, Dict[int, dict]],
              num_resamples: int) -> Dict[str, dict]:
    """Per backbone and point: seed-mean top-1 with its bootstrap interval (the same
    resampled images for every point), the seeds' values, and the paired difference to
    random at the same reduction; plus the fine-tuning comparison on the fine-tuned
    seed alone."""
    summaries = OrderedDict()
    for name, by_seed in results.items():
        seeds = list(by_seed)
        n = by_seed[seeds[0]]['test_size']
        resamples = np.random.default_rng(BOOTSTRAP_SEED).integers(0, n, (num_resamples, n))
        rows = OrderedDict(unpruned=accuracy_row(arrays[name], 'unpruned', seeds, resamples))
        for key, point in by_seed[seeds[0]]['points'].items():
            have = [s for s in seeds if key in arrays[name][s]]
            if not have:  # unreachable
                continue
            row = accuracy_row(arrays[name], key, have, resamples)
            row.update(method=point['method'], reduction=point['reduction'],
                       gflops=float(np.mean([by_seed[s]['points'][key]['gflops']
                                             for s in have])),
                       reached=float(np.mean([by_seed[s]['points'][key]['reached_reduction']
                                              for s in have])))
            recalls = [by_seed[s]['points'][key]['fg_recall'] for s in have]
            row['fg_recall'] = None if None in recalls else float(np.mean(recalls))
            random_key = f'random@{point["reduction"]:g}'
            if key != random_key and all(random_key in arrays[name][s] for s in have):
                diff = per_image_mean([arrays[name][s][key] for s in have]) - \
                    per_image_mean([arrays[name][s][random_key] for s in have])
                row['vs_random'] = 100 * diff.mean()
                row['vs_random_ci'] = bootstrap_interval(diff, resamples)
            rows[key] = row
        finetuned = [s for s in seeds if 'irtop_ft' in arrays[name][s]]
        if finetuned:
            seed = finetuned[0]
            free_key = f'IRToP@{FINETUNE_REDUCTION:g}'
            finetuning = OrderedDict(
                (column, accuracy_row(arrays[name], key, [seed], resamples))
                for column, key in (('unpruned', 'unpruned'), ('training-free', free_key),
                                    ('fine-tuned', 'irtop_ft'), ('control', 'unpruned_ft'))
                if key in arrays[name][seed])
            finetuning['seed'] = seed
        summaries[name] = dict(seeds=seeds, test_size=n,
                               gflops=float(np.mean([by_seed[s]['unpruned']['gflops']
                                                     for s in seeds])), rows=rows)
        if finetuned:
            summaries[name]['finetuning'] = finetuning
    return summaries


def fmt_ci(row: Optional[dict]) -> str:
    if row is None:
        return '-'
    low, high = row['ci']
    return f'{row["top1"]:.1f} [{low:.1f}, {high:.1f}]'


def fmt_diff(row: Optional[dict]) -> str:
    if row is None or 'vs_random' not in row:
        return '-'
    low, high = row['vs_random_ci']
    mark = ' +' if low > 0 else (' -' if high < 0 else '')
    return f'{row["vs_random"]:+.1f} [{low:+.1f}, {high:+.1f}]{mark}'


def spread(row: Optional[dict]) -> str:
    if row is None or len(row['seeds']) < 2:
        return '-'
    values = list(row['seeds'].values())
    return f'{max(values) - min(values):.1f}'


def markdown(summaries: Dict[str, dict], reductions: List[float], random_draws: int) -> str:
    methods = list(METHODS) + ['calibrated']
    text = ['# Natural-clutter benchmark: results', '',
            'Top-1 (%) on the test split, training-free pruning at matched backbone FLOPs '
            '(each criterion at its own keep ratio; the reduction it reached is in '
            '`summary.json`), mean over training seeds and, for random, over '
            f'{random_draws} draws; [95 % bootstrap interval over test images]. '
            '"vs random": the paired difference to random at the same reduction, over the '
            'same images, with its interval; `+` / `-` mark intervals that exclude 0. '
            '`-`: unreachable at keep >= 0.1. The calibrated schedules are searched on the '
            'first seed only.', '']
    for name, s in summaries.items():
        rows = s['rows']
        seed_values = ', '.join(f'{v:.1f}' for v in rows['unpruned']['seeds'].values())
        text += [f'## {name}', '',
                 f'Unpruned: {fmt_ci(rows["unpruned"])} at {s["gflops"]:.4f} GFLOPs per '
                 f'image; seeds {s["seeds"]} ({seed_values}), {s["test_size"]} test images.',
                 '', '| criterion | ' + ' | '.join(f'-{r:.0%}' for r in reductions) + ' | ' +
                 ' | '.join(f'vs random at -{r:.0%}' for r in reductions) + ' |',
                 '|' + '---|' * (1 + 2 * len(reductions))]
        for method in methods:
            cells = [rows.get(f'{method}@{r:g}') for r in reductions]
            if all(c is None for c in cells):
                continue
            text.append(f'| {method} | ' + ' | '.join(fmt_ci(c) for c in cells) + ' | ' +
                        ' | '.join(fmt_diff(c) for c in cells) + ' |')
        text += ['', 'Seed-to-seed spread (max - min, points) per reduction: ' + '; '.join(
            f'{m} ' + '/'.join(spread(rows.get(f'{m}@{r:g}')) for r in reductions)
            for m in ('IRToP', 'random', 'EViT', 'ToMe')) + '.', '']
    text += ['## Foreground recall at the first pruned block', '',
             'Share of the tokens under the digit that a selection keeps (mean over test '
             'images and seeds); a blind selection keeps about the keep ratio.', '',
             '| backbone | reduction | ' + ' | '.join(SELECTION_METHODS) + ' |',
             '|' + '---|' * (2 + len(SELECTION_METHODS))]
    for name, s in summaries.items():
        for r in reductions:
            cells = [s['rows'].get(f'{m}@{r:g}', {}).get('fg_recall') for m in SELECTION_METHODS]
            text.append(f'| {name} | -{r:.0%} | ' + ' | '.join(
                '-' if c is None else f'{c:.3f}' for c in cells) + ' |')
    finetuned = [(n, s['finetuning']) for n, s in summaries.items() if 'finetuning' in s]
    if finetuned:
        text += ['', f'## Fine-tuning with IRToP at -{FINETUNE_REDUCTION:.0%} FLOPs vs the '
                 'same epochs unpruned', '',
                 'All four on the fine-tuned seed, with its own intervals.', '',
                 '| backbone | seed | unpruned | training-free IRToP | fine-tuned IRToP | '
                 'unpruned, same extra epochs |', '|---|---|---|---|---|---|']
        for name, ft in finetuned:
            text.append(f'| {name} | {ft["seed"]} | ' + ' | '.join(
                fmt_ci(ft.get(c)) for c in ('unpruned', 'training-free', 'fine-tuned',
                                            'control')) + ' |')
    return '\n'.join(text) + '\n'


def plot(summaries: Dict[str, dict], reductions: List[float], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(summaries), figsize=(4.5 * len(summaries), 4),
                             squeeze=False)
    for ax, (name, s) in zip(axes[0], summaries.items()):
        for method in list(METHODS) + ['calibrated']:
            rows = [s['rows'][f'{method}@{r:g}'] for r in reductions
                    if f'{method}@{r:g}' in s['rows']]
            if not rows:
                continue
            err = np.array([[r['top1'] - r['ci'][0], r['ci'][1] - r['top1']] for r in rows]).T
            ax.errorbar([r['gflops'] for r in rows], [r['top1'] for r in rows], yerr=err,
                        marker='o', ms=3, capsize=2, label=method,
                        lw=2 if method.startswith('IRToP') else 1)
        unpruned = s['rows']['unpruned']
        ax.errorbar([s['gflops']], [unpruned['top1']],
                    yerr=[[unpruned['top1'] - unpruned['ci'][0]],
                          [unpruned['ci'][1] - unpruned['top1']]], fmt='k*', ms=10,
                    label='unpruned')
        ax.set_title(f'{name} ({len(s["seeds"])} seeds)')
        ax.set_xlabel('backbone GFLOPs / image')
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel('top-1 (%), 95 % bootstrap interval')
    axes[0][-1].legend(fontsize=7, loc='lower right')
    fig.suptitle('Natural-clutter digits, 112 px (14x14 tokens at stride 8)\n'
                 'training-free pruning at matched FLOPs', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def save_results(out_dir: str, settings: dict, results: dict, arrays: dict) -> None:
    """``study.json`` (settings, per-model results) and ``per_image.npz`` (the
    correctness arrays, keyed ``<name>|<seed>|<point>``)."""
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'study.json'), 'w') as f:
        json.dump(dict(settings=settings, results=results), f, indent=1)
    np.savez_compressed(osp.join(out_dir, 'per_image.npz'), **{
        f'{name}|{seed}|{point}': array for name, by_seed in arrays.items()
        for seed, points in by_seed.items() for point, array in points.items()})


def load_results(out_dir: str) -> Tuple[dict, dict, dict]:
    """``(settings, results, arrays)`` as :func:`save_results` wrote them (integer
    seeds)."""
    paths = [osp.join(out_dir, name) for name in ('study.json', 'per_image.npz')]
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'--render-only: no {path}; run the study first')
    with open(paths[0]) as f:
        saved = json.load(f, object_pairs_hook=OrderedDict)
    results = OrderedDict((name, OrderedDict((int(s), r) for s, r in by_seed.items()))
                          for name, by_seed in saved['results'].items())
    arrays = OrderedDict((name, OrderedDict((s, {}) for s in by_seed))
                         for name, by_seed in results.items())
    with np.load(paths[1]) as stored:
        for key in stored.files:
            name, seed, point = key.split('|')
            arrays[name][int(seed)][point] = stored[key]
    return saved['settings'], results, arrays


def write_report(out_dir: str, results: dict, arrays: dict, reductions: List[float],
                 random_draws: int, num_resamples: int) -> Dict[str, dict]:
    """``results.md``, ``summary.json`` and ``accuracy_vs_gflops.png``."""
    summaries = summarize(results, arrays, num_resamples)
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(markdown(summaries, reductions, random_draws))
    with open(osp.join(out_dir, 'summary.json'), 'w') as f:
        json.dump(summaries, f, indent=1)
    plot(summaries, reductions, osp.join(out_dir, 'accuracy_vs_gflops.png'))
    return summaries
