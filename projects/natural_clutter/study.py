"""Natural-clutter benchmark: pruning criteria at matched backbone FLOPs, with intervals.

    python -m projects.natural_clutter.study [--models NAME ...] [--seeds S ...]
        [--work-root DIR] [--data-root DIR] [--reductions R ...] [--random-draws N]
        [--test-images N] [--calibrate] [--out-dir DIR] [--render-only]
    python -m projects.natural_clutter.study --reach [--models NAME ...]
    python -m projects.natural_clutter.study --keep-for-reduction R --models NAME

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
  ``tpmm.analysis.calibrate_keep_schedule`` (train images, never test) at each of
  ``--calibration-reductions`` (first seed), next to the uniform keep ratio at matched
  FLOPs;
* the fine-tuning control, where ``<work-root>/<name>_seed<S>_irtop_ft`` (fine-tuned with
  IRToP at the keep ratio of 30 % reduction) and ``<name>_seed<S>_unpruned_ft`` (the same
  epochs unpruned) exist (``run_study.sh`` writes them for the first seed).

Writes ``study.json`` (settings, FLOPs, keep ratios, per-model results) and
``per_image.npz`` (the correctness arrays), then ``results.md``, ``summary.json`` and
``accuracy_vs_gflops.png`` to ``--out-dir``; ``--render-only`` rewrites the last three
from the first two. ``--reach`` prints how much FLOPs each pruner family can remove;
``--keep-for-reduction`` prints the released IRToP's keep ratio for a reduction;
``--check-data`` refuses a data set not written at 112 px.
"""
import argparse
import copy
import json
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

from projects.classification.sweep import (build_classifier, build_test_set,
                                           foreground_tokens, latest_checkpoint, preprocessed,
                                           set_pruning)
from tpmm.analysis import calibrate_keep_schedule
from tpmm.evaluation import count_flops
from .criteria import (CALIBRATION_OVERLAY, CALIBRATOR_TOLERANCE, MATCH_TOLERANCE, METHODS,
                       MIN_KEEP, SELECTION_METHODS)
from .report import load_results, save_results, write_report

PROJECT_DIR = osp.dirname(osp.abspath(__file__))
MODEL_NAMES = ('sdt_v1', 'qkformer', 'sdt_v3', 'spikformer', 'sdt_v2')
#: the side of the generated images (112: 14x14 tokens at the configs' token_stride 8)
IMAGE_SIZE = 112


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
                        help='also evaluate calibrated schedules (first seed of each model)')
    parser.add_argument('--calibration-images', type=int, default=128)
    parser.add_argument('--calibration-reductions', nargs='+', type=float,
                        default=[0.2, 0.3, 0.4], help='reductions --calibrate searches for')
    parser.add_argument('--out-dir', default=osp.join(PROJECT_DIR, 'results'))
    parser.add_argument('--render-only', action='store_true')
    parser.add_argument('--keep-for-reduction', type=float, metavar='R',
                        help="print the released IRToP's keep ratio that cuts the first "
                        "model's backbone FLOPs by R on a 112x112 image, and exit "
                        '(run_study.sh fine-tunes at it)')
    parser.add_argument('--reach', action='store_true',
                        help='print, per model of --models, the backbone FLOPs reduction '
                        'each criterion reaches at keep ratio 0.1 (the most the study can '
                        'match), and exit')
    parser.add_argument('--check-data', action='store_true',
                        help=f'exit with an error unless --data-root holds a {IMAGE_SIZE} px '
                        'set (run_study.sh checks before training)')
    args = parser.parse_args(argv)
    for r in args.reductions:
        if not 0 < r < 1:
            raise ValueError(f'--reductions entries must be in (0, 1), got {r}')
    if args.random_draws < 1:
        raise ValueError(f'--random-draws must be >= 1, got {args.random_draws}')
    if args.calibration_images < 1:
        raise ValueError(f'--calibration-images must be >= 1, got {args.calibration_images}')
    if args.calibrate and not set(args.calibration_reductions) <= set(args.reductions):
        raise ValueError(f'--calibration-reductions {args.calibration_reductions} must be '
                         f'among --reductions {args.reductions}')
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
    kept, fg = np.concatenate(kept_masks), foreground_tokens(images.masks, hw)
    totals = fg.sum(1)
    recall = np.where(totals > 0, (kept & fg).sum(1) / np.maximum(totals, 1), np.nan)
    return correct, recall


def backbone_flops(model, probe: torch.Tensor) -> int:
    """Backbone FLOPs of one real (pruned) forward of ``probe`` ``[1, 3, H, W]``."""
    return count_flops(model.backbone, probe)['total']


def match_keep_ratio(model, pruning: dict, target: float, probe: torch.Tensor,
                     iters: int = 11) -> Tuple[float, int]:
    """The keep ratio in ``[MIN_KEEP, 1]`` (and its FLOPs) of ``pruning`` whose backbone
    FLOPs on ``probe`` ``[1, 3, H, W]`` come closest to ``target``; bisection, FLOPs
    rising with the keep ratio. (On SDT-V2 / V3 the FLOPs at a keep ratio also vary with
    the weights and the image, by about 0.1 % of the backbone's, measured.)"""
    low, high, best = MIN_KEEP, 1.0, None
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
    """``configs/<name>_nc.py``'s classifier, untrained (the FLOPs of a keep ratio depend
    on the weights and pixels only on SDT-V2 / V3, by about 0.1 %), a zero probe
    ``[1, 3, IMAGE_SIZE, IMAGE_SIZE]`` and the unpruned FLOPs."""
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


def reach_table(names: List[str], keep_ratio: float = MIN_KEEP) -> str:
    """Markdown: unpruned GFLOPs and the signed change of backbone FLOPs each pruner
    family makes at ``keep_ratio`` (positive: pruning adds FLOPs)."""
    families = ('IRToP', 'EViT', 'ToMe')  # the other criteria prune as IRToP does
    lines = [f'| model | GFLOPs ({IMAGE_SIZE} px) | ' + ' | '.join(
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


def evaluate_point(model, images: TestImages, pruning: dict, ratio: float,
                   draws: Optional[int]) -> Tuple[np.ndarray, Optional[float]]:
    """Correctness ``[draws or 1, n]`` of ``pruning`` at keep ``ratio`` (``draws`` scorer
    seeds for a random criterion) and the mean foreground recall of its selections."""
    corrects, recalls = [], []
    for draw in (range(draws) if draws else [None]):
        config = copy.deepcopy(pruning)
        if draw is not None:
            config['scorer']['seed'] = draw
        set_pruning(model, dict(config, keep_ratio=ratio))
        correct, recall = predict(model, images)
        corrects.append(correct)
        if recall is not None:
            recalls.append(recall)
    return np.stack(corrects), float(np.nanmean(np.stack(recalls))) if recalls else None


def calibrated_point(cfg: Config, checkpoint: str, model, images: TestImages,
                     probe: torch.Tensor, base_flops: int, reduction: float, args
                     ) -> Tuple[dict, Optional[np.ndarray]]:
    """The released criterion with the schedule :func:`calibrate_keep_schedule` finds
    for ``reduction`` on train images: ``(point, correctness [1, n])``; unreachable
    (``top1`` None, no array) when the search cannot meet the budget or lands more than
    :data:`MATCH_TOLERANCE` off it."""
    point = dict(method='calibrated', reduction=reduction, top1=None, fg_recall=None)
    # the calibrator stops within 2 % above its target FLOPs: aim it so that this upper
    # limit is the study's target
    aim = 1 - (1 - reduction) / (1 + CALIBRATOR_TOLERANCE)
    try:
        calibration = calibrate_keep_schedule(
            cfg, checkpoint, target_flops_reduction=aim,
            criteria=[CALIBRATION_OVERLAY], num_images=args.calibration_images,
            batch_size=32, min_keep=MIN_KEEP, seed=args.seeds[0])
    except ValueError as error:  # more than the prunable blocks can give
        log(f'calibrated@{reduction:g}: unreachable ({error})')
        return point, None
    schedule = list(calibration.result.keep_schedule)
    set_pruning(model, dict(calibration.pruning, keep_ratio=None, schedule_unit='tokens',
                            keep_schedule=schedule))
    flops = backbone_flops(model, probe)
    point.update(keep_schedule=schedule, gflops=flops / 1e9,
                 reached_reduction=1 - flops / base_flops)
    if abs(point['reached_reduction'] - reduction) > MATCH_TOLERANCE:
        return point, None
    correct, recall = predict(model, images)
    point.update(top1=100 * correct.mean(),
                 fg_recall=None if recall is None else float(np.nanmean(recall)))
    return point, correct[None]


def finetuned_pruning(work_dir: str, name: str) -> dict:
    """The pruner config a fine-tuning run trained with (its dumped config)."""
    dumped = osp.join(work_dir, osp.basename(config_path(name)))
    if not osp.isfile(dumped):
        raise FileNotFoundError(f'{work_dir}: no dumped config {dumped} to read the '
                                f'fine-tuning pruner from')
    pruning = Config.fromfile(dumped).model.backbone.get('pruning')
    if pruning is None:
        raise ValueError(f'{dumped}: model.backbone.pruning is None; the IRToP fine-tune '
                         f'must be trained with --pruning')
    return pruning


def evaluate_model(name: str, seed: int, args) -> Tuple[dict, Dict[str, np.ndarray]]:
    """Every criterion at every reduction on one trained model: ``(summary, arrays)``."""
    cfg = Config.fromfile(config_path(name))
    cfg.train_dataloader.dataset.data_root = args.data_root  # the calibration images
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
                log(f'{name} seed {seed} {key}: unreachable at keep >= {MIN_KEEP:g} '
                    f'(closest -{point["reached_reduction"]:.1%} at keep {ratio:.3f})')
                continue
            draws = args.random_draws if method == 'random' else None
            arrays[key], recall = evaluate_point(model, images, pruning, ratio, draws)
            point.update(top1=100 * arrays[key].mean(),
                         fg_recall=recall if method in SELECTION_METHODS else None)
            log(f'{name} seed {seed} {key}: keep {ratio:.3f}, '
                f'-{point["reached_reduction"]:.1%} FLOPs, top1 {point["top1"]:.2f}')
        if (args.calibrate and seed == args.seeds[0]
                and reduction in args.calibration_reductions):
            key = f'calibrated@{reduction:g}'
            summary['points'][key], correct = calibrated_point(
                cfg, checkpoint, model, images, probe, base_flops, reduction, args)
            if correct is not None:
                arrays[key] = correct
            point = summary['points'][key]
            log(f'{name} seed {seed} {key}: schedule {point.get("keep_schedule")}, '
                f'top1 {point["top1"]}')
    for kind in ('irtop_ft', 'unpruned_ft'):
        work_dir = run_dir(args.work_root, name, seed, f'_{kind}')
        ft_checkpoint = latest_checkpoint(work_dir)
        if ft_checkpoint is None:
            continue
        ft_model = build_classifier(cfg, ft_checkpoint, torch.device('cpu'))
        pruning = finetuned_pruning(work_dir, name) if kind == 'irtop_ft' else None
        set_pruning(ft_model, pruning)
        correct, _ = predict(ft_model, images)
        arrays[kind] = correct
        summary[kind] = dict(checkpoint=ft_checkpoint, top1=100 * correct.mean(),
                             pruning=pruning)
    return summary, arrays


def check_data(data_root: str) -> None:
    """Refuse data the configs do not expect: ``<data_root>/meta/generation.json`` must
    exist and record ``IMAGE_SIZE`` px images (a 224 px set would give the
    ``token_stride=8`` models a 28x28 grid at four times the cost, without an error)."""
    path = osp.join(data_root, 'meta', 'generation.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: write the set with tools/'
                                f'dataset_converters/make_natural_clutter.py --out {data_root} '
                                f'--image-size {IMAGE_SIZE}')
    with open(path) as f:
        size = json.load(f)['settings']['image_size']
    if size != IMAGE_SIZE:
        raise ValueError(f'{path}: image_size {size}, the study and its configs need '
                         f'{IMAGE_SIZE} (a 14x14 grid at token_stride 8); write a new set '
                         f'with make_natural_clutter.py --image-size {IMAGE_SIZE}')


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


def main(argv=None):
    args = parse_args(argv)
    if args.keep_for_reduction is not None:
        print(f'{keep_ratio_for(args.models[0], args.keep_for_reduction):.6f}')
        return None
    if args.reach:
        print(reach_table(args.models))
        return None
    if args.check_data:
        check_data(args.data_root)
        return None
    if args.render_only:
        settings, results, arrays = load_results(args.out_dir)
        reductions, draws = settings['reductions'], settings['random_draws']
        args.bootstrap = settings['bootstrap']
    else:
        check_data(args.data_root)
        check_checkpoints(args)
        results, arrays = OrderedDict(), OrderedDict()
        for name in args.models:
            results[name], arrays[name] = OrderedDict(), OrderedDict()
            for seed in args.seeds:
                results[name][seed], arrays[name][seed] = evaluate_model(name, seed, args)
                save_results(args.out_dir, vars(args), results, arrays)  # nothing is lost
        reductions, draws = args.reductions, args.random_draws
    summaries = write_report(args.out_dir, results, arrays, reductions, draws, args.bootstrap)
    log(f'wrote {args.out_dir}/results.md, summary.json and accuracy_vs_gflops.png')
    return summaries


if __name__ == '__main__':
    main()
