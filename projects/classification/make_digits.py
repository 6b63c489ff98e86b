"""Write the cluttered-digits splits as files that mmpretrain's stock ``CustomDataset``
reads (its annotation-file layout).

    python -m projects.classification.make_digits [--out-dir data/cluttered_digits]
        [--seed 0] [--canvas-size 64] [--placements TRAIN VAL TEST] [--num-digits N]

Layout (``OUT``)::

    {train,val,test}/000000.png     canvases, 8-bit grey
    meta/{train,val,test}.txt       "000000.png <label>" per line (ann_file)
    masks/{train,val,test}/000000.png   the digit's footprint (255 = digit), for the
                                        sweep's foreground-recall measure

The canvases are ``ClutteredDigits(split, seed, canvas_size, placements)``
(``spiking_cls/cluttered_digits.py``) rounded to 8 bits. ``--placements`` defaults to
the study's 2 / 1 / 2 (train / val / test); ``--num-digits`` keeps the first N digits
of every split (quick runs).
"""
import argparse
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from PIL import Image

from projects.classification.spiking_cls import SPLITS, ClutteredDigits


def write_split(dataset: ClutteredDigits, out_dir: str) -> str:
    """Write the samples of ``dataset`` under ``out_dir``; returns its ann_file."""
    split = dataset.split
    for folder in (split, osp.join('masks', split), 'meta'):
        os.makedirs(osp.join(out_dir, folder), exist_ok=True)
    lines = []
    for index in range(len(dataset)):
        sample = dataset.sample(index)
        name = f'{index:06d}.png'
        image = (sample['image'] * 255).round().astype(np.uint8)
        Image.fromarray(image).save(osp.join(out_dir, split, name))
        Image.fromarray(sample['mask'].astype(np.uint8) * 255).save(
            osp.join(out_dir, 'masks', split, name))
        lines.append(f'{name} {sample["label"]}')
    ann_file = osp.join(out_dir, 'meta', f'{split}.txt')
    with open(ann_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return ann_file


def write_digits(out_dir: str, seed: int = 0, canvas_size: int = 64,
                 placements: Sequence[int] = (2, 1, 2),
                 num_digits: Optional[int] = None) -> Dict[str, str]:
    """Write the three splits; ``{split: ann_file}``."""
    if len(placements) != len(SPLITS):
        raise ValueError(f'placements: one count per split {SPLITS}, got {placements}')
    return {split: write_split(ClutteredDigits(split, canvas_size=canvas_size, seed=seed,
                                               placements=count, num_digits=num_digits),
                               out_dir)
            for split, count in zip(SPLITS, placements)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', default='data/cluttered_digits')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--canvas-size', type=int, default=64)
    parser.add_argument('--placements', type=int, nargs=3, default=[2, 1, 2],
                        metavar=('TRAIN', 'VAL', 'TEST'))
    parser.add_argument('--num-digits', type=int, help='first N digits of every split')
    args = parser.parse_args(argv)
    written = write_digits(args.out_dir, args.seed, args.canvas_size, args.placements,
                           args.num_digits)
    for split, ann_file in written.items():
        with open(ann_file) as f:
            print(f'{split}: {sum(1 for _ in f)} canvases, {ann_file}')
    return written


if __name__ == '__main__':
    main()
