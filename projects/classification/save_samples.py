"""Save test canvases of cluttered digits as PNG files (inputs for vis_tokens.py).

    python -m projects.classification.save_samples [--num N] [--out-dir DIR]
"""
import argparse
import os
import os.path as osp

import numpy as np
from PIL import Image

from projects.classification.spiking_cls import ClutteredDigits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', default='work_dirs/cls_digits/samples')
    args = parser.parse_args(argv)
    dataset = ClutteredDigits('test', seed=args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    paths = []
    for index in range(args.num):
        sample = dataset.sample(index)
        path = osp.join(args.out_dir, f'digit{index}_label{sample["label"]}.png')
        Image.fromarray((sample['image'] * 255).round().astype(np.uint8)).convert('RGB').save(path)
        paths.append(path)
    return paths


if __name__ == '__main__':
    print('\n'.join(main()))
