"""Kept vs stopped tokens per scorer, and whether the scorers keep informative tokens.

    python tools/analysis/vis_tokens.py CONFIG [--images SRC ...] [--scorers TYPE ...]
        [--keep-ratio 0.5] [--pruning OVERLAY ...] [--shape H W] [--checkpoint CKPT]
        [--panel-size PX] [--device DEV] [--cfg-options KEY=VALUE ...] [--out-dir DIR]

SRC is a ``skimage.data`` photo name (``astronaut``, ``coffee``, ``chelsea``, ...), an
image file, or a directory of images (the demo sets under ``data/``). Variants: one
IRToP pruner at ``--keep-ratio`` per ``--scorers`` entry (named ``irtop-<scorer>``),
plus one per pruning ``--pruning`` overlay; all share the weights of the unpruned
backbone.

Writes, in ``--out-dir``:

* ``<image>.png``: one row per variant, columns = the input, then every pruning point
  (``pruner.last_records``): kept tokens in full colour, stopped ones dimmed and tinted
  blue. Each panel is ``--panel-size`` pixels square, with a 14-pixel caption strip above
  it and a 4-pixel gap around it: the PNG is
  ``(4 + cols * (P + 4)) x (4 + rows * (14 + P + 4))`` pixels (width x height).
* ``token_information.json``:

      config, backbone, shape, keep_ratio, variants, images
      per_image: {image: {variant: {
          feature_error                           # |F_v - F_full| / |F_full|, last level
          points: [{block, kept, tokens, entropy: {kept, stopped, ratio, auroc},
                    gradient_energy: {...}}]}}}
      summary: {variant: {feature_error, entropy_ratio, entropy_auroc,
                          gradient_energy_ratio, gradient_energy_auroc}}  # means
      pngs: [paths]

  (see :mod:`tpmm.evaluation.token_informativeness` for the measures).
"""
import argparse
import glob
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import DictAction
from PIL import Image, ImageDraw

from tpmm.analysis import (UNPRUNED, backbone_config, build_variant_backbones, check_shape,
                           image_tensor, load_config, load_image, print_table)
from tpmm.evaluation import (patch_information_maps, relative_feature_error,
                             selection_information)

DEFAULT_SCORERS = ('CombinedTokenScorer', 'TemporalTokenScorer', 'SpatialTokenScorer',
                   'AttentionTokenScorer', 'FiringRateTokenScorer', 'RandomTokenScorer')
DEFAULT_IMAGES = ('astronaut', 'coffee', 'chelsea')
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp')
CAPTION = 14
GAP = 4
STOPPED_TINT = np.array([40, 60, 140], dtype=np.float64)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file with model.backbone')
    parser.add_argument('--images', nargs='+', default=list(DEFAULT_IMAGES))
    parser.add_argument('--scorers', nargs='*', default=list(DEFAULT_SCORERS),
                        help='scorer types for IRToP variants')
    parser.add_argument('--keep-ratio', type=float, default=0.5)
    parser.add_argument('--pruning', nargs='*', default=[], help='extra pruning overlays')
    parser.add_argument('--shape', nargs=2, type=int, default=[224, 224], metavar=('H', 'W'))
    parser.add_argument('--panel-size', type=int, default=224)
    parser.add_argument('--checkpoint', help='weights (full model or backbone)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out-dir', default='work_dirs/vis_tokens')
    args = parser.parse_args(argv)
    if not 0 < args.keep_ratio <= 1:
        raise ValueError(f'--keep-ratio must be in (0, 1], got {args.keep_ratio}')
    if args.panel_size < 8:
        raise ValueError(f'--panel-size must be >= 8 pixels, got {args.panel_size}')
    return args


def expand_images(sources: Sequence[str]) -> List[str]:
    """Directories become their image files (sorted); other entries stay as given."""
    expanded = []
    for source in sources:
        if osp.isdir(source):
            files = sorted(f for f in glob.glob(osp.join(source, '**', '*'), recursive=True)
                           if f.lower().endswith(IMAGE_SUFFIXES))
            if not files:
                raise FileNotFoundError(f'--images: no image files under {source}')
            expanded += files
        else:
            expanded.append(source)
    return expanded


def scorer_variants(scorers: Sequence[str], keep_ratio: float) -> Dict[str, dict]:
    """``{'irtop-<scorer>': IRToP config}`` for each scorer type."""
    variants = OrderedDict()
    for scorer in scorers:
        short = scorer.replace('TokenScorer', '').lower()
        variants[f'irtop-{short}'] = dict(type='IRToP', keep_ratio=keep_ratio,
                                          scorer=dict(type=scorer))
    return variants


def forward_levels(backbone, inputs: torch.Tensor) -> List[torch.Tensor]:
    """Every feature level ``[B, C_i, H_i, W_i]`` (mean over T) of one forward."""
    with torch.no_grad():
        return [level.mean(0) for level in backbone.forward_levels(inputs)]


def resized_panel(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` resized to a ``size x size`` RGB ``uint8`` panel."""
    return np.asarray(Image.fromarray(image).resize((size, size), Image.BILINEAR))


def token_overlay(image: np.ndarray, kept_index: Sequence[int], hw: Tuple[int, int],
                  size: int) -> np.ndarray:
    """``size x size`` RGB panel: ``image`` with stopped tokens dimmed and tinted."""
    panel = resized_panel(image, size).astype(np.float64)
    grid_h, grid_w = hw
    keep = np.zeros(grid_h * grid_w, dtype=bool)
    keep[np.asarray(kept_index, dtype=np.int64)] = True
    rows = np.minimum(np.arange(size) * grid_h // size, grid_h - 1)
    cols = np.minimum(np.arange(size) * grid_w // size, grid_w - 1)
    kept_pixels = keep.reshape(grid_h, grid_w)[rows[:, None], cols[None, :]]
    stopped = 0.35 * panel + 0.65 * STOPPED_TINT
    panel = np.where(kept_pixels[..., None], panel, stopped)
    edges_r = np.diff(rows, prepend=rows[0]) != 0
    edges_c = np.diff(cols, prepend=cols[0]) != 0
    panel[edges_r, :] = 0.5 * panel[edges_r, :] + 127
    panel[:, edges_c] = 0.5 * panel[:, edges_c] + 127
    return panel.clip(0, 255).astype(np.uint8)


def compose_figure(rows: List[Tuple[str, List[Tuple[str, np.ndarray]]]],
                   size: int) -> Image.Image:
    """Grid of captioned ``size`` panels: ``rows`` = [(row name, [(caption, panel)])]."""
    num_cols = max(len(panels) for _, panels in rows)
    width = GAP + num_cols * (size + GAP)
    height = GAP + len(rows) * (CAPTION + size + GAP)
    canvas = Image.new('RGB', (width, height), 'white')
    draw = ImageDraw.Draw(canvas)
    for r, (row_name, panels) in enumerate(rows):
        top = GAP + r * (CAPTION + size + GAP)
        for c, (caption, panel) in enumerate(panels):
            left = GAP + c * (size + GAP)
            text = f'{row_name}: {caption}' if c == 0 else caption
            draw.text((left, top), text, fill='black')
            canvas.paste(Image.fromarray(panel), (left, top + CAPTION))
    return canvas


def image_name(source: str) -> str:
    return osp.splitext(osp.basename(source))[0]


def analyse_image(backbones, source: str, shape, args) -> Tuple[dict, list]:
    """Information measures of every variant on one image, and the figure rows."""
    image = load_image(source, shape)
    inputs = image_tensor([image]).to(args.device)
    maps = patch_information_maps(image)
    full_levels = forward_levels(backbones[UNPRUNED], inputs)
    result, figure_rows = OrderedDict(), []
    for name, backbone in backbones.items():
        if name == UNPRUNED:
            continue
        levels = forward_levels(backbone, inputs)
        points, panels = [], [('input', resized_panel(image, args.panel_size))]
        for index, hw, kept_index in backbone.pruner.last_records:
            kept = kept_index[0].cpu().numpy()
            point = dict(block=int(index), kept=int(kept.size), tokens=hw[0] * hw[1])
            point.update(selection_information(image, kept, hw, maps))
            points.append(point)
            panels.append((f'block {int(index)} {kept.size}/{hw[0] * hw[1]}',
                           token_overlay(image, kept, hw, args.panel_size)))
        result[name] = dict(feature_error=relative_feature_error(levels[-1], full_levels[-1]),
                            points=points)
        figure_rows.append((name, panels))
    return result, figure_rows


def summarize(per_image: dict, variants: Sequence[str]) -> dict:
    """Means over images and pruning points of each variant's measures."""
    summary = OrderedDict()
    for name in variants:
        runs = [per_image[img][name] for img in per_image]
        points = [p for run in runs for p in run['points']]
        row = dict(feature_error=float(np.mean([run['feature_error'] for run in runs])))
        for measure in ('entropy', 'gradient_energy'):
            for stat in ('ratio', 'auroc'):
                values = [p[measure][stat] for p in points]
                row[f'{measure}_{stat}'] = float(np.nanmean(values)) if values else float('nan')
        summary[name] = row
    return summary


def run_vis(cfg, variants, args) -> dict:
    """Figures and information measures (see the module docstring)."""
    device = torch.device(args.device)
    backbones = build_variant_backbones(backbone_config(cfg), variants, args.checkpoint,
                                        device)
    reference = backbones[UNPRUNED]
    shape = check_shape(args.shape, reference.stride, type(reference).__name__)
    os.makedirs(args.out_dir, exist_ok=True)
    per_image, pngs = OrderedDict(), []
    for source in expand_images(args.images):
        name = image_name(source)
        per_image[name], rows = analyse_image(backbones, source, shape, args)
        path = osp.join(args.out_dir, f'{name}.png')
        compose_figure(rows, args.panel_size).save(path)
        pngs.append(path)
    pruned = [name for name in variants if name != UNPRUNED]
    result = dict(config=cfg.filename, backbone=type(reference).__name__, shape=list(shape),
                  keep_ratio=args.keep_ratio, variants=pruned, images=list(per_image),
                  per_image=per_image, summary=summarize(per_image, pruned), pngs=pngs)
    with open(osp.join(args.out_dir, 'token_information.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print_table(f'{result["backbone"]}: what the kept tokens carry (means over '
                f'{len(per_image)} images and all pruning points)',
                ['variant', 'feature error', 'entropy kept/stopped', 'entropy AUROC',
                 'grad. energy kept/stopped', 'grad. energy AUROC'],
                [[n, s['feature_error'], s['entropy_ratio'], s['entropy_auroc'],
                  s['gradient_energy_ratio'], s['gradient_energy_auroc']]
                 for n, s in result['summary'].items()])
    return result


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg, variants = load_config(args.config, args.pruning, args.cfg_options)
    for name, pruning in scorer_variants(args.scorers, args.keep_ratio).items():
        variants[name] = pruning
    variants.move_to_end(UNPRUNED, last=False)
    return run_vis(cfg, variants, args)


if __name__ == '__main__':
    main()
