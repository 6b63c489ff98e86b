"""Natural-clutter benchmark: pruning criteria at matched backbone FLOPs, with intervals.

    python -m projects.natural_clutter.study [--models NAME ...] [--seeds S ...]
        [--work-root DIR] [--data-root DIR] [--reductions R ...] [--random-draws N]
        [--test-images N] [--calibrate] [--out-dir DIR] [--render-only]

For every trained model ``<work-root>/<name>_seed<S>`` (``tools/train.py`` on
``configs/<name>_nc.py`` with ``--cfg-options randomness.seed=S``) this evaluates the test
split (mmpretrain's ``CustomDataset`` on the files of
``tools/dataset_converters/make_natural_clutter.py``) unpruned and, at each backbone-FLOPs
reduction of ``--reductions``, with every criterion of :data:`METHODS`, each at the keep
ratio whose real pruned forward (``tpmm.evaluation.count_flops``) comes closest to that
reduction (bisection on the keep ratio, per method: the criteria differ in their own
cost and EViT / ToMe in what a keep ratio means). ``random`` is drawn ``--random-draws``
times (scorer seeds 0..N-1).

Everything is kept per test image (correct or not), so the render step reports:

* top-1 per backbone, criterion and reduction, averaged over seeds (and random draws),
  with a bootstrap 95 % interval over test images (the same resampled images for every
  criterion) and the seed-to-seed spread;
* each criterion minus random, paired over images, with its bootstrap interval: a
  criterion is *better* / *worse* than random only when that interval excludes 0;
* foreground recall at the first pruned block: the share of the tokens under the digit
  (``masks/test``; a token counts when >= 10 % of its pixels are digit) that a selection
  keeps; blind selection keeps about the keep ratio;
* with ``--calibrate``: the released criterion with a per-block schedule from
  ``tpmm.analysis.calibrate_keep_schedule`` (train images, never test) at each reduction,
  next to the uniform keep ratio at matched FLOPs;
* the fine-tuning control, when ``<work-root>/<name>_seed0_irtop_ft`` (fine-tuned with
  IRToP at the keep ratio of 30 % reduction) and ``<name>_seed0_unpruned_ft`` (the same
  epochs unpruned) exist.

Writes ``study.json`` (settings, FLOPs, keep ratios, summaries), ``per_image.npz``
(the correctness arrays), ``results.md`` and ``accuracy_vs_gflops.png`` to ``--out-dir``;
``--render-only`` rewrites the last three from the first two.
"""
import argparse
import copy
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from PIL import Image

from projects.classification import sweep
from projects.classification.sweep import (build_classifier, build_test_set, latest_checkpoint,
                                           preprocessed, set_pruning)
from tpmm.analysis import calibrate_keep_schedule
from tpmm.evaluation import count_flops, token_means

PROJECT_DIR = osp.dirname(osp.abspath(__file__))
MODEL_NAMES = ('sdt_v1', 'qkformer', 'sdt_v3', 'spikformer', 'sdt_v2')
#: the criteria of the cluttered-digits sweep (the released IRToP, tpmm's variants, one-term
#: ablations and the baselines) without its spatial-L2 ablation
METHODS = OrderedDict((name, pruning) for name, pruning in sweep.METHODS.items()
                      if name != 'spatial-L2')
#: criteria whose first record is a token selection (ToMe's records are merge
#: representatives, not a selection)
SELECTION_METHODS = tuple(m for m in METHODS if m != 'ToMe')
#: the overlay whose criterion calibration searches a schedule for (the released one)
CALIBRATION_OVERLAY = 'irtop_k0.5'
FINETUNE_REDUCTION = 0.3
#: a point whose FLOPs reduction misses its target by more than this is unreachable
MATCH_TOLERANCE = 0.01
FOREGROUND_SHARE = 0.1
#: the side of the generated images (224: 14x14 tokens at the backbones' stride 16)
IMAGE_SIZE = 224
BOOTSTRAP_SEED = 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=['sdt_v1', 'qkformer', 'sdt_v3'],
                        choices=MODEL_NAMES)
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--work-root', default='work_dirs/natural_clutter')
    parser.add_argument('--data-root', default='data/natural_clutter')
    parser.add_argument('--reductions', nargs='+', type=float, default=[0.1, 0.2, 0.3, 0.4])
    parser.add_argument('--random-draws', type=int, default=5)
    parser.add_argument('--test-images', type=int, help='only the first N test images')
    parser.add_argument('--bootstrap', type=int, default=1000, help='resamples')
    parser.add_argument('--batch', type=int, default=100)
    parser.add_argument('--calibrate', action='store_true',
                        help='also evaluate calibrated schedules (seed 0 of each model)')
    parser.add_argument('--calibration-images', type=int, default=128)
    parser.add_argument('--calibration-reductions', nargs='+', type=float,
                        default=[0.2, 0.3, 0.4], help='reductions --calibrate searches for')
    parser.add_argument('--out-dir', default=osp.join(PROJECT_DIR, 'results'))
    parser.add_argument('--render-only', action='store_true')
    parser.add_argument('--keep-for-reduction', type=float, metavar='R',
                        help="print the released IRToP's keep ratio that cuts the first "
                        "model's backbone FLOPs by R on a 224x224 image, and exit "
                        '(run_study.sh fine-tunes at it)')
    parser.add_argument('--reach', action='store_true',
                        help='print, per model of --models, the backbone FLOPs reduction '
                        'each criterion reaches at keep ratio 0.1 (the most the study can '
                        'match), and exit')
    args = parser.parse_args(argv)
    for r in args.reductions:
        if not 0 < r < 1:
            raise ValueError(f'--reductions entries must be in (0, 1), got {r}')
    if args.random_draws < 1:
        raise ValueError(f'--random-draws must be >= 1, got {args.random_draws}')
    return args


def config_path(name: str) -> str:
    return osp.join(PROJECT_DIR, 'configs', f'{name}_nc.py')


def run_dir(work_root: str, name: str, seed: int, suffix: str = '') -> str:
    return osp.join(work_root, f'{name}_seed{seed}{suffix}')


class TestImages:
    """The test split preprocessed once: input batches ``[B, 3, H, W]``, labels ``[n]``
    and each image's digit footprint ``[n, H, W]`` (bool)."""

    def __init__(self, cfg: Config, model, data_root: str, num_images: Optional[int],
                 batch: int):
        dataset = build_test_set(cfg, data_root, num_images)
        self.batches, labels, masks = [], [], []
        for start in range(0, len(dataset), batch):
            items = [dataset[i] for i in range(start, min(start + batch, len(dataset)))]
            data = preprocessed(model, items)
            self.batches.append(data['inputs'])
            labels += [int(s.gt_label) for s in data['data_samples']]
            masks += [self.footprint(s.img_path, data_root) for s in data['data_samples']]
        self.labels = np.asarray(labels)
        self.masks = np.stack(masks)

    @staticmethod
    def footprint(img_path: str, data_root: str) -> np.ndarray:
        """``<root>/masks/test/<class>/<id>.png`` for ``<root>/test/<class>/<id>.png``."""
        rel = osp.relpath(img_path, data_root)
        path = osp.join(data_root, 'masks', rel)
        if not osp.isfile(path):
            raise FileNotFoundError(f'no digit mask {path} for {img_path}; write the data '
                                    f'with tools/dataset_converters/make_natural_clutter.py')
        return np.asarray(Image.open(path)) > 127

    def foreground(self, hw: Tuple[int, int]) -> np.ndarray:
        """``[n, N]`` bool: tokens of the ``hw`` grid that are >= 10 % digit."""
        return np.stack([token_means(m.astype(np.float64), hw) >= FOREGROUND_SHARE
                         for m in self.masks])


def predict(model, images: TestImages) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Per image: correct (bool ``[n]``) and, for a selection, the foreground recall at
    the first pruned block (``[n]``, NaN where the image has no foreground token)."""
    predictions, kept_masks, hw = [], [], None
    with torch.no_grad():
        for inputs in images.batches:
            logits = model(inputs, mode='tensor')
            predictions.append(logits.argmax(-1).numpy())
            records = model.backbone.pruner.last_records
            if records:
                hw = records[0].hw
                mask = torch.zeros(len(inputs), hw[0] * hw[1], dtype=torch.bool)
                mask.scatter_(1, records[0].kept_index.cpu(), True)
                kept_masks.append(mask.numpy())
    correct = np.concatenate(predictions) == images.labels
    if not kept_masks:
        return correct, None
    kept, fg = np.concatenate(kept_masks), images.foreground(hw)
    totals = fg.sum(1)
    recall = np.where(totals > 0, (kept & fg).sum(1) / np.maximum(totals, 1), np.nan)
    return correct, recall


def backbone_flops(model, probe: torch.Tensor) -> int:
    return count_flops(model.backbone, probe)['total']


def match_keep_ratio(model, pruning: dict, target: float, probe: torch.Tensor,
                     iters: int = 11) -> Tuple[float, int]:
    """The keep ratio (and its FLOPs) of ``pruning`` whose backbone FLOPs on ``probe``
    come closest to ``target``; bisection, FLOPs rising with the keep ratio. (Blocks
    whose mixing runs only around the kept tokens, as SDT-V2 / V3's, cost slightly more
    or less with the spread of the selection: about 0.1 % of the backbone's FLOPs.)"""
    low, high, best = 0.0, 1.0, None
    for _ in range(iters):
        ratio = (low + high) / 2
        set_pruning(model, dict(pruning, keep_ratio=ratio))
        flops = backbone_flops(model, probe)
        if best is None or abs(flops - target) < abs(best[1] - target):
            best = (ratio, flops)
        if flops > target:
            high = ratio
        else:
            low = ratio
    return best


def untrained(name: str) -> Tuple[torch.nn.Module, torch.Tensor, int]:
    """``configs/<name>_nc.py``'s classifier (untrained: FLOPs depend neither on the
    weights nor on the pixels), a ``[1, 3, 224, 224]`` probe and the unpruned FLOPs."""
    cfg = Config.fromfile(config_path(name))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(copy.deepcopy(cfg.model)).eval()
    probe = torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)
    set_pruning(model, None)
    return model, probe, backbone_flops(model, probe)


def keep_ratio_for(name: str, reduction: float) -> float:
    """The released IRToP's keep ratio at ``reduction`` for ``configs/<name>_nc.py``."""
    model, probe, full = untrained(name)
    return match_keep_ratio(model, METHODS['IRToP'], (1 - reduction) * full, probe)[0]


def reach_table(names: List[str], keep_ratio: float = 0.1) -> str:
    """Markdown: unpruned GFLOPs and each criterion's FLOPs reduction at ``keep_ratio``
    (a negative reduction: pruning adds FLOPs)."""
    families = ('IRToP', 'EViT', 'ToMe')  # the other criteria prune as IRToP does
    lines = ['| model | GFLOPs (224 px) | ' + ' | '.join(
        f'FLOPs change, {m} at keep {keep_ratio:g}' for m in families) + ' |',
             '|---|---|---|---|---|']
    for name in names:
        model, probe, full = untrained(name)
        cells = []
        for method in families:
            set_pruning(model, dict(METHODS[method], keep_ratio=keep_ratio))
            cells.append(f'{-(1 - backbone_flops(model, probe) / full):+.1%}')
        lines.append(f'| {name} | {full / 1e9:.3f} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def log(message: str) -> None:
    MMLogger.get_instance('tpmm_natural_clutter').info(message)


def evaluate_model(name: str, seed: int, args) -> Tuple[dict, Dict[str, np.ndarray]]:
    """Every criterion at every reduction on one trained model: ``(summary, arrays)``."""
    cfg = Config.fromfile(config_path(name))
    checkpoint = latest_checkpoint(run_dir(args.work_root, name, seed))
    model = build_classifier(cfg, checkpoint, torch.device('cpu'))
    images = TestImages(cfg, model, args.data_root, args.test_images, args.batch)
    probe = images.batches[0][:1]
    set_pruning(model, None)
    base_flops = backbone_flops(model, probe)
    correct, _ = predict(model, images)
    arrays = {'unpruned': correct}
    summary = OrderedDict(checkpoint=checkpoint, test_size=len(correct),
                          unpruned=dict(top1=100 * correct.mean(), gflops=base_flops / 1e9),
                          points=OrderedDict())
    log(f'{name} seed {seed}: unpruned {100 * correct.mean():.2f} % at '
        f'{base_flops / 1e9:.4f} GFLOPs')
    for reduction in args.reductions:
        target = (1 - reduction) * base_flops
        for method, pruning in METHODS.items():
            key = f'{method}@{reduction:g}'
            ratio, flops = match_keep_ratio(model, pruning, target, probe)
            point = dict(method=method, reduction=reduction, keep_ratio=ratio,
                         gflops=flops / 1e9, reached_reduction=1 - flops / base_flops,
                         top1=None, fg_recall=None)
            summary['points'][key] = point
            if abs(point['reached_reduction'] - reduction) > MATCH_TOLERANCE:
                log(f'{name} seed {seed} {key}: unreachable (closest '
                    f'-{point["reached_reduction"]:.1%} at keep {ratio:.3f})')
                continue
            corrects, recalls = [], []
            draws = range(args.random_draws) if method == 'random' else [None]
            for draw in draws:
                config = copy.deepcopy(pruning)
                if draw is not None:
                    config['scorer']['seed'] = draw
                set_pruning(model, dict(config, keep_ratio=ratio))
                correct, recall = predict(model, images)
                corrects.append(correct)
                if recall is not None and method in SELECTION_METHODS:
                    recalls.append(recall)
            arrays[key] = np.stack(corrects)
            point.update(top1=100 * arrays[key].mean(),
                         fg_recall=float(np.nanmean(np.stack(recalls))) if recalls else None)
            log(f'{name} seed {seed} {key}: keep {ratio:.3f}, '
                f'-{point["reached_reduction"]:.1%} FLOPs, top1 {point["top1"]:.2f}')
        if (args.calibrate and seed == args.seeds[0]
                and reduction in args.calibration_reductions):
            calibration = calibrate_keep_schedule(
                cfg, checkpoint, target_flops_reduction=reduction,
                criteria=[CALIBRATION_OVERLAY], num_images=args.calibration_images,
                batch_size=32, seed=seed)
            pruning = dict(calibration.pruning, keep_ratio=None, schedule_unit='tokens',
                           keep_schedule=calibration.result.keep_schedule)
            set_pruning(model, pruning)
            flops = backbone_flops(model, probe)
            correct, _ = predict(model, images)
            key = f'calibrated@{reduction:g}'
            arrays[key] = correct[None]
            summary['points'][key] = dict(
                method='calibrated', reduction=reduction, gflops=flops / 1e9,
                keep_schedule=list(calibration.result.keep_schedule),
                reached_reduction=1 - flops / base_flops, top1=100 * correct.mean(),
                fg_recall=None)
            log(f'{name} seed {seed} {key}: schedule {calibration.result.keep_schedule}, '
                f'top1 {100 * correct.mean():.2f}')
    for kind in ('irtop_ft', 'unpruned_ft'):
        ft_checkpoint = latest_checkpoint(run_dir(args.work_root, name, seed, f'_{kind}'))
        if ft_checkpoint is None:
            continue
        ft_model = build_classifier(cfg, ft_checkpoint, torch.device('cpu'))
        key = f'IRToP@{FINETUNE_REDUCTION:g}'
        if summary['points'].get(key, {}).get('top1') is None:
            continue
        pruning = (dict(METHODS['IRToP'], keep_ratio=summary['points'][key]['keep_ratio'])
                   if kind == 'irtop_ft' else None)
        set_pruning(ft_model, pruning)
        correct, _ = predict(ft_model, images)
        arrays[kind] = correct
        summary[kind] = dict(checkpoint=ft_checkpoint, top1=100 * correct.mean(),
                             keep_ratio=pruning and pruning['keep_ratio'])
    return summary, arrays


def check_checkpoints(args) -> None:
    """Refuse to start when a model the study needs has no checkpoint."""
    missing = [run_dir(args.work_root, name, seed) for name in args.models
               for seed in args.seeds
               if latest_checkpoint(run_dir(args.work_root, name, seed)) is None]
    if missing:
        raise FileNotFoundError(
            'no trained checkpoint in ' + ', '.join(missing) + '; train each with '
            'tools/train.py projects/natural_clutter/configs/<name>_nc.py --work-dir '
            '<work-root>/<name>_seed<S> --cfg-options randomness.seed=<S> '
            '(projects/natural_clutter/run_study.sh does all of them)')


def bootstrap_interval(per_image: np.ndarray, resamples: np.ndarray) -> Tuple[float, float]:
    """95 % percentile interval (in %) of the mean of ``per_image`` ``[n]`` over the
    image resamples ``[B, n]`` (indices)."""
    means = per_image[resamples].mean(1)
    return tuple(100 * np.percentile(means, [2.5, 97.5]))


def per_image_mean(arrays: List[np.ndarray]) -> np.ndarray:
    """Mean correctness per image over seeds and draws: a list of ``[draws, n]`` or
    ``[n]`` arrays -> ``[n]``."""
    return np.mean([np.atleast_2d(a).mean(0) for a in arrays], 0)


def summarize(results: Dict[str, Dict[int, dict]], arrays: Dict[str, Dict[int, dict]],
              args) -> Dict[str, dict]:
    """Per backbone and point: seed-mean top-1 with its bootstrap interval, the seeds'
    values, and the paired difference to random at the same reduction."""
    summaries = OrderedDict()
    for name, by_seed in results.items():
        seeds = list(by_seed)
        n = by_seed[seeds[0]]['test_size']
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        resamples = rng.integers(0, n, size=(args.bootstrap, n))
        keys = ['unpruned'] + list(by_seed[seeds[0]]['points']) + [
            k for k in ('irtop_ft', 'unpruned_ft') if k in arrays[name][seeds[0]]]
        rows = OrderedDict()
        for key in keys:
            have = [s for s in seeds if key in arrays[name][s]]
            if not have:  # unreachable at every seed
                continue
            mean_correct = per_image_mean([arrays[name][s][key] for s in have])
            row = dict(top1=100 * mean_correct.mean(),
                       ci=bootstrap_interval(mean_correct, resamples),
                       seeds={s: 100 * np.atleast_2d(arrays[name][s][key]).mean()
                              for s in have})
            if key in by_seed[seeds[0]]['points']:
                point = by_seed[seeds[0]]['points'][key]
                row.update(method=point['method'], reduction=point['reduction'],
                           gflops=float(np.mean([by_seed[s]['points'][key]['gflops']
                                                 for s in have])),
                           reached=float(np.mean([by_seed[s]['points'][key]
                                                  ['reached_reduction'] for s in have])))
                recalls = [by_seed[s]['points'][key]['fg_recall'] for s in have]
                row['fg_recall'] = None if None in recalls else float(np.mean(recalls))
                random_key = f'random@{point["reduction"]:g}'
                if key != random_key and all(random_key in arrays[name][s] for s in have):
                    diff = mean_correct - per_image_mean(
                        [arrays[name][s][random_key] for s in have])
                    row['vs_random'] = 100 * diff.mean()
                    row['vs_random_ci'] = bootstrap_interval(diff, resamples)
            rows[key] = row
        summaries[name] = dict(seeds=seeds, test_size=n,
                               gflops=float(np.mean([by_seed[s]['unpruned']['gflops']
                                                     for s in seeds])), rows=rows)
    return summaries


def fmt_ci(row: dict) -> str:
    lo, hi = row['ci']
    return f'{row["top1"]:.1f} [{lo:.1f}, {hi:.1f}]'


def fmt_diff(row: dict) -> str:
    if 'vs_random' not in row:
        return '-'
    lo, hi = row['vs_random_ci']
    mark = ' +' if lo > 0 else (' -' if hi < 0 else '')
    return f'{row["vs_random"]:+.1f} [{lo:+.1f}, {hi:+.1f}]{mark}'


def spread(row: Optional[dict]) -> str:
    if row is None:
        return '-'
    values = list(row['seeds'].values())
    return f'{max(values) - min(values):.1f}' if len(values) > 1 else '-'


def markdown(summaries: Dict[str, dict], args) -> str:
    methods = list(METHODS)
    text = ['# Natural-clutter benchmark: results', '',
            'Top-1 (%) on the test split, training-free pruning at matched backbone FLOPs '
            '(each criterion at its own keep ratio; the reduction it reached is in '
            '`study.json`), mean over training seeds and, for random, over '
            f'{args.random_draws} draws; [95 % bootstrap interval over test images]. '
            '"vs random": the paired difference to random at the same reduction with its '
            'interval; `+` / `-` mark intervals that exclude 0.', '']
    for name, s in summaries.items():
        rows = s['rows']
        unpruned = rows['unpruned']
        text += [f'## {name}', '',
                 f'Unpruned: {fmt_ci(unpruned)} at {s["gflops"]:.4f} GFLOPs per image; '
                 f'seeds {s["seeds"]} ({", ".join(f"{v:.1f}" for v in unpruned["seeds"].values())}), '
                 f'{s["test_size"]} test images.', '',
                 '| criterion | ' + ' | '.join(f'-{r:.0%}' for r in args.reductions) +
                 ' | vs random at ' + ' | vs random at '.join(
                     f'-{r:.0%}' for r in args.reductions) + ' |',
                 '|' + '---|' * (1 + 2 * len(args.reductions))]
        for method in methods + (['calibrated'] if args.calibrate else []):
            cells = [rows.get(f'{method}@{r:g}') for r in args.reductions]
            if all(c is None for c in cells):
                continue
            text.append(f'| {method} | ' + ' | '.join(
                '-' if c is None else fmt_ci(c) for c in cells) + ' | ' + ' | '.join(
                '-' if c is None else fmt_diff(c) for c in cells) + ' |')
        text += ['', 'Seed-to-seed spread (max - min, points) at each reduction: ' + '; '.join(
            f'{m} ' + '/'.join(spread(rows.get(f'{m}@{r:g}')) for r in args.reductions)
            for m in ('IRToP', 'random', 'EViT', 'ToMe')) + '.', '']
    text += ['## Foreground recall at the first pruned block', '',
             'Share of the tokens under the digit that a selection keeps (mean over test '
             'images and seeds); a blind selection keeps about the keep ratio.', '',
             '| backbone | reduction | ' + ' | '.join(SELECTION_METHODS) + ' |',
             '|' + '---|' * (2 + len(SELECTION_METHODS))]
    for name, s in summaries.items():
        for r in args.reductions:
            cells = []
            for m in SELECTION_METHODS:
                row = s['rows'].get(f'{m}@{r:g}')
                cells.append('-' if row is None or row['fg_recall'] is None else
                             f'{row["fg_recall"]:.3f}')
            text.append(f'| {name} | -{r:.0%} | ' + ' | '.join(cells) + ' |')
    finetuned = [(n, s) for n, s in summaries.items() if 'irtop_ft' in s['rows']]
    if finetuned:
        text += ['', f'## Fine-tuning with IRToP at -{FINETUNE_REDUCTION:.0%} FLOPs vs '
                 'the same epochs unpruned (seed 0)', '',
                 '| backbone | unpruned | training-free IRToP | fine-tuned IRToP | '
                 'unpruned, same extra epochs |', '|---|---|---|---|---|']
        for name, s in finetuned:
            rows = s['rows']
            free = rows.get(f'IRToP@{FINETUNE_REDUCTION:g}')
            text.append(f'| {name} | {fmt_ci(rows["unpruned"])} | '
                        f'{fmt_ci(free) if free else "-"} | '
                        f'{fmt_ci(rows["irtop_ft"])} | '
                        f'{fmt_ci(rows["unpruned_ft"]) if "unpruned_ft" in rows else "-"} |')
    return '\n'.join(text) + '\n'


def plot(summaries: Dict[str, dict], args, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(summaries), figsize=(4.5 * len(summaries), 4),
                             squeeze=False)
    methods = list(METHODS) + (['calibrated'] if args.calibrate else [])
    for ax, (name, s) in zip(axes[0], summaries.items()):
        for method in methods:
            rows = [s['rows'][f'{method}@{r:g}'] for r in args.reductions
                    if f'{method}@{r:g}' in s['rows']]
            if not rows:
                continue
            xs = [r['gflops'] for r in rows]
            ys = [r['top1'] for r in rows]
            err = np.array([[r['top1'] - r['ci'][0], r['ci'][1] - r['top1']] for r in rows]).T
            ax.errorbar(xs, ys, yerr=err, marker='o', ms=3, capsize=2, label=method,
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
    fig.suptitle('Natural-clutter digits, 224 px (14x14 tokens)\ntraining-free pruning at '
                 'matched FLOPs', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.keep_for_reduction is not None:
        print(f'{keep_ratio_for(args.models[0], args.keep_for_reduction):.6f}')
        return None
    if args.reach:
        print(reach_table(args.models))
        return None
    json_path = osp.join(args.out_dir, 'study.json')
    npz_path = osp.join(args.out_dir, 'per_image.npz')
    if args.render_only:
        for path in (json_path, npz_path):
            if not osp.isfile(path):
                raise FileNotFoundError(f'--render-only: no {path}; run the study first')
        with open(json_path) as f:
            saved = json.load(f, object_pairs_hook=OrderedDict)
        results = OrderedDict(
            (name, OrderedDict((int(s), r) for s, r in by_seed.items()))
            for name, by_seed in saved['results'].items())
        stored = np.load(npz_path)
        arrays = OrderedDict((name, OrderedDict((s, {}) for s in by_seed))
                             for name, by_seed in results.items())
        for key in stored.files:
            name, seed, point = key.split('|')
            arrays[name][int(seed)][point] = stored[key]
        for key, value in saved['settings'].items():
            if key not in ('render_only', 'out_dir'):
                setattr(args, key, value)
    else:
        check_checkpoints(args)
        results, arrays = OrderedDict(), OrderedDict()
        for name in args.models:
            results[name], arrays[name] = OrderedDict(), OrderedDict()
            for seed in args.seeds:
                results[name][seed], arrays[name][seed] = evaluate_model(name, seed, args)
        os.makedirs(args.out_dir, exist_ok=True)
        with open(json_path, 'w') as f:
            json.dump(dict(settings=vars(args), results=results), f, indent=1)
        np.savez_compressed(npz_path, **{f'{name}|{seed}|{point}': array
                                         for name, by_seed in arrays.items()
                                         for seed, points in by_seed.items()
                                         for point, array in points.items()})
    summaries = summarize(results, arrays, args)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(markdown(summaries, args))
    plot(summaries, args, osp.join(args.out_dir, 'accuracy_vs_gflops.png'))
    with open(osp.join(args.out_dir, 'summary.json'), 'w') as f:
        json.dump(summaries, f, indent=1)
    log(f'wrote {args.out_dir}/results.md, accuracy_vs_gflops.png and summary.json')
    return summaries


if __name__ == '__main__':
    main()
