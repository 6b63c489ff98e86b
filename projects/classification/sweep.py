"""Training-free keep-ratio sweep on cluttered digits: IRToP vs baselines at matched FLOPs.

    python -m projects.classification.sweep [--models NAME ...] [--work-root DIR]
        [--data-root DIR] [--ratios R ...] [--test-images N] [--finetune-ratio R]
        [--out-dir DIR]

For every trained model (``<work-root>/<name>_digits``, written by ``tools/train.py``),
evaluates the test split (the config's stock ``CustomDataset`` on the files of
``make_digits.py`` under ``--data-root``) with no pruning and, at each keep ratio, with

* ``IRToP``: the released criterion (temporal + the authors' all-channel spatial
  term, ``SpatialTokenScorer(mode='reference')``), scored on the block input,
* ``IRToP-paper-text`` / ``IRToP-L2``: tpmm's variants (per-channel window mean with the
  cosine, as the paper's text describes it / with the L2 distance),
* ``temporal`` / ``spatial`` / ``spatial-L2``: IRToP with one scorer term alone
  (``spatial``: the released one),
* ``random``: IRToP's early stop with random scores,
* ``firing-rate``: IRToP's early stop, scored by firing rate only,
* ``EViT``: keep the top tokens, fuse the rest (EViT-style),
* ``ToMe``: bipartite token merging (ToMe-style),

all on the same weights, and counts backbone FLOPs per image on a real pruned
forward. Accuracies are compared at matched FLOPs by linear interpolation of each
method's accuracy-vs-GFLOPs curve at 30 % and 50 % FLOPs reduction. The fine-tuned
IRToP model (``<work-root>/<name>_digits_irtop_k<R>``), if present, is evaluated
at its keep ratio, next to the same fine-tuning without pruning
(``<work-root>/<name>_digits_unpruned_ft``): what the extra epoch alone gives. Also
reported: *foreground recall*, the share of the tokens under the digit that each
selection keeps at the first pruned block (a blind selection keeps the keep ratio of
them); the digit's footprint is read from ``masks/test/`` next to the canvases.

Writes ``sweep.json``, ``results.md`` and ``accuracy_vs_gflops.png`` to ``--out-dir``.
"""
import argparse
import copy
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from mmpretrain.registry import DATASETS, MODELS
from PIL import Image

import tpmm  # noqa: F401  (registers the backbones and pruners)
from tpmm.evaluation import count_flops, foreground_recall, token_means
from tpmm.pruning import build_pruner

PROJECT_DIR = osp.dirname(osp.abspath(__file__))
MODEL_NAMES = ('spikformer', 'sdt_v1', 'qkformer', 'sdt_v2', 'sdt_v3')
#: the released criterion's spatial term and tpmm's two variants of it
RELEASED_SPATIAL = dict(type='SpatialTokenScorer', mode='reference')
PAPER_TEXT_SPATIAL = dict(type='SpatialTokenScorer', mode='depthwise')
L2_SPATIAL = dict(type='SpatialTokenScorer', mode='depthwise', metric='l2')
METHODS = OrderedDict([
    ('IRToP', dict(type='IRToP', scorer=dict(type='CombinedTokenScorer',
                                             spatial=RELEASED_SPATIAL))),
    ('IRToP-paper-text', dict(type='IRToP', scorer=dict(type='CombinedTokenScorer',
                                                        spatial=PAPER_TEXT_SPATIAL))),
    ('IRToP-L2', dict(type='IRToP', scorer=dict(type='CombinedTokenScorer',
                                                spatial=L2_SPATIAL))),
    ('temporal', dict(type='IRToP', scorer=dict(type='TemporalTokenScorer'))),
    ('spatial', dict(type='IRToP', scorer=RELEASED_SPATIAL)),
    ('spatial-L2', dict(type='IRToP', scorer=L2_SPATIAL)),
    ('random', dict(type='IRToP', scorer=dict(type='RandomTokenScorer', seed=0))),
    ('firing-rate', dict(type='IRToP', scorer=dict(type='FiringRateTokenScorer'))),
    ('EViT', dict(type='EViTPruner')),
    ('ToMe', dict(type='ToMePruner')),
])
#: methods whose records are real token selections (ToMe records merge representatives)
SELECTION_METHODS = ('IRToP', 'IRToP-paper-text', 'IRToP-L2', 'temporal', 'spatial',
                     'spatial-L2', 'random', 'firing-rate', 'EViT')
#: the IRToP criteria the targets are checked for: the released one and tpmm's variants
IRTOP_METHODS = ('IRToP', 'IRToP-paper-text', 'IRToP-L2')
BASELINES = ('random', 'EViT', 'ToMe')
REDUCTIONS = (0.1, 0.2, 0.3)
#: a token is "foreground" when at least this share of its pixels is digit
FOREGROUND_SHARE = 0.1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', default=list(MODEL_NAMES),
                        choices=MODEL_NAMES)
    parser.add_argument('--work-root', default='work_dirs/cls_digits')
    parser.add_argument('--data-root', default='data/cluttered_digits',
                        help='the files of make_digits.py')
    parser.add_argument('--ratios', nargs='+', type=float, default=[0.8, 0.6, 0.4, 0.25])
    parser.add_argument('--test-images', type=int,
                        help='use only the first N test canvases (quick runs)')
    parser.add_argument('--finetune-ratio', type=float, default=0.5)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--out-dir', default=osp.join(PROJECT_DIR, 'results'))
    parser.add_argument('--render-only', action='store_true',
                        help='rewrite results.md and the plot from --out-dir/sweep.json')
    args = parser.parse_args(argv)
    for r in args.ratios:
        if not 0 < r < 1:
            raise ValueError(f'--ratios entries must be in (0, 1), got {r}')
    return args


def config_path(name: str) -> str:
    return osp.join(PROJECT_DIR, 'configs', f'{name}_digits.py')


def finetune_dir(work_root: str, name: str, ratio: float) -> str:
    return osp.join(work_root, f'{name}_digits_irtop_k{ratio:g}')


def control_dir(work_root: str, name: str) -> str:
    """The same fine-tuning run without pruning: how much the extra epoch alone gives."""
    return osp.join(work_root, f'{name}_digits_unpruned_ft')


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint named in mmengine's ``last_checkpoint`` file, if any."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def build_classifier(cfg: Config, checkpoint: str, device: torch.device):
    """The config's mmpretrain ``ImageClassifier`` with the weights of ``checkpoint``."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    return model.to(device).eval()


def set_pruning(model, pruning: Optional[dict]) -> None:
    """Swap the backbone's pruner (pruners are stateless apart from their config)."""
    model.backbone.pruner = build_pruner(pruning, model.backbone.num_prunable_blocks).to(
        next(model.parameters()).device).eval()


def build_test_set(cfg: Config, data_root: str, num_images: Optional[int]):
    """The config's test dataset (mmpretrain's ``CustomDataset``) on ``data_root``."""
    dataset = copy.deepcopy(cfg.test_dataloader.dataset)
    dataset.update(data_root=data_root, indices=num_images)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DATASETS.build(dataset)


def footprint(img_path: str) -> np.ndarray:
    """The digit's footprint of a canvas: ``masks/<split>/<name>`` next to
    ``<split>/<name>`` (make_digits.py)."""
    folder, name = osp.split(img_path)
    root, split = osp.split(folder)
    path = osp.join(root, 'masks', split, name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'no footprint {path} for {img_path}; write the data with '
                                'python -m projects.classification.make_digits')
    return np.asarray(Image.open(path)) > 127


def foreground_tokens(masks: List[np.ndarray], hw) -> np.ndarray:
    """``[B, N]`` bool: tokens of the ``hw`` grid whose cell is mostly digit."""
    return np.stack([token_means(m.astype(np.float64), hw) >= FOREGROUND_SHARE
                     for m in masks])


def preprocessed(model, items: List[dict]) -> dict:
    """A batch of dataset items through the model's data preprocessor."""
    return model.data_preprocessor(pseudo_collate(items), False)


def evaluate(model, dataset, batch: int, device, with_recall: bool) -> dict:
    """Top-1 accuracy (%) and, for selections, mean foreground recall at the first
    pruned block."""
    correct, recalls = 0, []
    with torch.no_grad():
        for start in range(0, len(dataset), batch):
            items = [dataset[i] for i in range(start, min(start + batch, len(dataset)))]
            data = preprocessed(model, items)
            preds = model(data['inputs'], data['data_samples'], mode='predict')
            correct += sum(int(p.pred_label) == int(p.gt_label) for p in preds)
            records = model.backbone.pruner.last_records
            if with_recall and records:
                _, hw, kept = records[0]
                fg = foreground_tokens([footprint(p.img_path) for p in preds], hw)
                for sample_kept, sample_fg in zip(kept.cpu().numpy(), fg):
                    mask = np.zeros(hw[0] * hw[1], dtype=bool)
                    mask[sample_kept] = True
                    recalls.append(foreground_recall(mask, sample_fg))
    return dict(top1=100.0 * correct / len(dataset),
                fg_recall=float(np.nanmean(recalls)) if recalls else None)


def backbone_gflops(model, dataset, device) -> float:
    data = preprocessed(model, [dataset[0]])
    return count_flops(model.backbone, data['inputs'])['total'] / 1e9


def interpolate(points: List[dict], target_gflops: float) -> Optional[float]:
    """Accuracy of a method's curve at ``target_gflops`` (None outside its range)."""
    pts = sorted((p['gflops'], p['top1']) for p in points)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    if not xs[0] - 1e-12 <= target_gflops <= xs[-1] + 1e-12:
        return None
    return float(np.interp(target_gflops, xs, ys))


def sweep_model(name: str, args, device) -> dict:
    logger = MMLogger.get_current_instance()
    cfg = Config.fromfile(config_path(name))
    work_dir = osp.join(args.work_root, f'{name}_digits')
    checkpoint = latest_checkpoint(work_dir)
    if checkpoint is None:
        raise FileNotFoundError(f'{name}: no trained checkpoint in {work_dir}; run '
                                f'tools/train.py {config_path(name)}')
    test_set = build_test_set(cfg, args.data_root, args.test_images)
    model = build_classifier(cfg, checkpoint, device)
    set_pruning(model, None)
    base = dict(evaluate(model, test_set, args.batch, device, False),
                gflops=backbone_gflops(model, test_set, device))
    logger.info(f'{name}: unpruned top1 {base["top1"]:.2f} at {base["gflops"]:.4f} GFLOPs')
    curves = OrderedDict()
    for method, pruning in METHODS.items():
        curves[method] = [dict(keep_ratio=1.0, top1=base['top1'], gflops=base['gflops'],
                               fg_recall=None)]
        for ratio in args.ratios:
            set_pruning(model, dict(pruning, keep_ratio=ratio))
            point = evaluate(model, test_set, args.batch, device,
                             method in SELECTION_METHODS)
            point.update(keep_ratio=ratio, gflops=backbone_gflops(model, test_set, device))
            curves[method].append(point)
            logger.info(f'{name} {method} keep {ratio}: top1 {point["top1"]:.2f}, '
                        f'{point["gflops"]:.4f} GFLOPs, fg recall {point["fg_recall"]}')
    result = dict(checkpoint=checkpoint, test_size=len(test_set), unpruned=base,
                  curves=curves)
    ft_checkpoint = latest_checkpoint(finetune_dir(args.work_root, name, args.finetune_ratio))
    if ft_checkpoint is not None:
        ft_model = build_classifier(cfg, ft_checkpoint, device)
        set_pruning(ft_model, dict(METHODS['IRToP'], keep_ratio=args.finetune_ratio))
        result['finetuned'] = dict(
            evaluate(ft_model, test_set, args.batch, device, True),
            keep_ratio=args.finetune_ratio, checkpoint=ft_checkpoint,
            gflops=backbone_gflops(ft_model, test_set, device))
    control_checkpoint = latest_checkpoint(control_dir(args.work_root, name))
    if control_checkpoint is not None:
        control = build_classifier(cfg, control_checkpoint, device)
        set_pruning(control, None)
        result['finetuned_control'] = dict(evaluate(control, test_set, args.batch, device,
                                                    False), checkpoint=control_checkpoint)
    return result


def matched_accuracy(result: dict) -> Dict[str, Dict[str, Optional[float]]]:
    """``{reduction: {method: top-1}}`` at each FLOPs reduction of :data:`REDUCTIONS`."""
    matched = OrderedDict()
    for reduction in REDUCTIONS:
        target = (1 - reduction) * result['unpruned']['gflops']
        matched[f'{reduction:g}'] = {m: interpolate(c, target)
                                     for m, c in result['curves'].items()}
    return matched


def targets(result: dict) -> Dict[str, Optional[bool]]:
    """The study's targets at 30 % FLOPs reduction for each of :data:`IRTOP_METHODS`
    (None when not measurable)."""
    at30 = result['matched']['0.3']
    baselines = [at30[b] for b in BASELINES if at30[b] is not None]
    checks = OrderedDict()
    for method in IRTOP_METHODS:
        acc = at30[method]
        checks[f'{method}_loss_le_1pt'] = (None if acc is None else
                                           result['unpruned']['top1'] - acc <= 1.0)
        checks[f'{method}_beats_baselines_by_1pt'] = (None if acc is None or not baselines
                                                      else acc - max(baselines) >= 1.0)
    return checks


def fmt(value, digits=1) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def markdown(results: Dict[str, dict], args) -> str:
    lines = ['| backbone | unpruned top-1 | GFLOPs | reduction | ' +
             ' | '.join(METHODS) + ''.join(f' | {m} - best baseline' for m in IRTOP_METHODS) +
             ' |', '|' + '---|' * (4 + len(METHODS) + len(IRTOP_METHODS))]
    for name, r in results.items():
        for reduction, accs in r['matched'].items():
            best = max((accs[b] for b in BASELINES if accs[b] is not None), default=None)
            gaps = [None if accs[m] is None or best is None else accs[m] - best
                    for m in IRTOP_METHODS]
            lines.append(f'| {name} | {r["unpruned"]["top1"]:.1f} | '
                         f'{r["unpruned"]["gflops"]:.4f} | {float(reduction):.0%} | ' +
                         ' | '.join([fmt(accs[m]) for m in METHODS] + [fmt(g) for g in gaps]) +
                         ' |')
    text = ['## Top-1 (%) at matched backbone FLOPs (training-free)', '',
            'Accuracy of each method interpolated on its accuracy-vs-GFLOPs curve at the '
            'given FLOPs reduction; test split of '
            f'{next(iter(results.values()))["test_size"]} cluttered digits.', ''] + lines
    text += ['', f'## Foreground recall at the first pruned block (keep ratio '
             f'{args.finetune_ratio:g}-nearest point)', '',
             'Share of the tokens under the digit that are kept; blind selection keeps '
             'about the keep ratio.', '',
             '| backbone | keep | ' + ' | '.join(SELECTION_METHODS) + ' |',
             '|' + '---|' * (2 + len(SELECTION_METHODS))]
    for name, r in results.items():
        ratios = [p['keep_ratio'] for p in r['curves']['IRToP'][1:]]
        keep = min(ratios, key=lambda k: abs(k - args.finetune_ratio))
        row = []
        for m in SELECTION_METHODS:
            point = next(p for p in r['curves'][m] if p['keep_ratio'] == keep)
            row.append(fmt(point['fg_recall'], 3))
        text.append(f'| {name} | {keep:g} | ' + ' | '.join(row) + ' |')
    text += ['', '## IRToP fine-tuned briefly vs training-free', '',
             'Fine-tuning: one more epoch with IRToP active; the control is the same '
             'epoch without pruning.', '',
             '| backbone | keep | GFLOPs | unpruned | training-free IRToP | fine-tuned IRToP '
             '| unpruned, same extra epoch |',
             '|---|---|---|---|---|---|---|']
    for name, r in results.items():
        ft = r.get('finetuned')
        if ft is None:
            continue
        free = next((p for p in r['curves']['IRToP'] if p['keep_ratio'] == ft['keep_ratio']),
                    None)
        text.append(f'| {name} | {ft["keep_ratio"]:g} | {ft["gflops"]:.4f} | '
                    f'{r["unpruned"]["top1"]:.1f} | {fmt(free and free["top1"])} | '
                    f'{ft["top1"]:.1f} | '
                    f'{fmt(r.get("finetuned_control", {}).get("top1"))} |')
    text += ['', '## All measured points', '',
             '| backbone | method | keep | GFLOPs | top-1 | fg recall |',
             '|---|---|---|---|---|---|']
    for name, r in results.items():
        for method, curve in r['curves'].items():
            for p in curve[1:]:
                text.append(f'| {name} | {method} | {p["keep_ratio"]:g} | '
                            f'{p["gflops"]:.4f} | {p["top1"]:.1f} | '
                            f'{fmt(p["fg_recall"], 3)} |')
    return '\n'.join(text) + '\n'


def plot(results: Dict[str, dict], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3.6), squeeze=False)
    for ax, (name, r) in zip(axes[0], results.items()):
        for method, curve in r['curves'].items():
            pts = sorted((p['gflops'], p['top1']) for p in curve)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o', ms=3,
                    label=method, lw=2 if method in IRTOP_METHODS else 1)
        ax.plot(r['unpruned']['gflops'], r['unpruned']['top1'], 'k*', ms=10,
                label='unpruned')
        if 'finetuned' in r:
            ax.plot(r['finetuned']['gflops'], r['finetuned']['top1'], 'rD', ms=6,
                    label=f'IRToP fine-tuned (k={r["finetuned"]["keep_ratio"]:g})')
        ax.set_title(name)
        ax.set_xlabel('backbone GFLOPs / image')
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel('top-1 (%)')
    axes[0][-1].legend(fontsize=7, loc='lower right')
    fig.suptitle('Cluttered digits: accuracy vs backbone FLOPs, training-free pruning')
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if not MMLogger.check_instance_created('tpmm_cls_sweep'):
        MMLogger.get_instance('tpmm_cls_sweep', log_level='INFO')
    json_path = osp.join(args.out_dir, 'sweep.json')
    if args.render_only:
        if not osp.isfile(json_path):
            raise FileNotFoundError(f'--render-only: no {json_path} to render; run the '
                                    f'sweep first')
        with open(json_path) as f:
            saved = json.load(f, object_pairs_hook=OrderedDict)
        results, settings = saved['results'], saved['settings']
        args.finetune_ratio = settings['finetune_ratio']
    else:
        device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
        results = OrderedDict((name, sweep_model(name, args, device))
                              for name in args.models)
        settings = vars(args)
    for r in results.values():
        r['matched'] = matched_accuracy(r)
        r['targets'] = targets(r)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(json_path, 'w') as f:
        json.dump(dict(settings=settings, results=results), f, indent=2)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(markdown(results, args))
    plot(results, osp.join(args.out_dir, 'accuracy_vs_gflops.png'))
    print(f'wrote {json_path}, results.md and accuracy_vs_gflops.png to {args.out_dir}')
    return results


if __name__ == '__main__':
    main()
