"""Write the seeded natural-clutter digit classification set (real handwriting on photos).

    python tools/dataset_converters/make_natural_clutter.py --out data/natural_clutter \
        [--image-size 224] [--num-train 5000] [--num-val 1000] [--num-test 2000] [--seed 0]
        [--digit-size MIN MAX] [--contrast MIN MAX] [--num-fragments MIN MAX]
        [--num-strokes MIN MAX]

writes ``{train,val,test}/<class>/<id>.png`` (read by mmpretrain's ``CustomDataset`` or
torchvision's ``ImageFolder``), ``masks/``, ``meta/{split}.txt`` annotation files and
``meta/generation.json`` (see ``tpmm.datasets.natural_clutter``).
"""
import argparse
import os
import os.path as osp
import time

from tpmm.datasets.natural_clutter import NaturalClutterGenerator

KNOBS = ('digit_size', 'contrast', 'num_fragments', 'num_strokes')


def parse_args():
    parser = argparse.ArgumentParser(description='Write the natural-clutter digit set')
    parser.add_argument('--out', required=True, help='output folder (new or empty)')
    parser.add_argument('--image-size', type=int, default=224,
                        help='image side (224: 14x14 tokens at stride 16; 112 at stride 8)')
    parser.add_argument('--num-train', type=int, default=5000)
    parser.add_argument('--num-val', type=int, default=1000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=0)
    # difficulty knobs; unset ones keep NaturalClutterGenerator's defaults
    parser.add_argument('--digit-size', nargs=2, type=float, metavar=('MIN', 'MAX'),
                        help="range of the digit's side as a fraction of the image side")
    parser.add_argument('--contrast', nargs=2, type=float, metavar=('MIN', 'MAX'),
                        help="range of the ink's luminance distance from the photo (0..255)")
    parser.add_argument('--num-fragments', nargs=2, type=int, metavar=('MIN', 'MAX'),
                        help='range of distractor fragments of other digits per image')
    parser.add_argument('--num-strokes', nargs=2, type=int, metavar=('MIN', 'MAX'),
                        help='range of distractor pen strokes per image')
    return parser.parse_args()


def main():
    args = parse_args()
    if osp.isdir(args.out) and os.listdir(args.out):
        raise SystemExit(f'--out {args.out} exists and is not empty; choose a new folder')
    start = time.time()
    knobs = {key: getattr(args, key) for key in KNOBS if getattr(args, key) is not None}
    generator = NaturalClutterGenerator(image_size=args.image_size, seed=args.seed, **knobs)
    counts = generator.write(args.out, num_train=args.num_train, num_val=args.num_val,
                             num_test=args.num_test)
    num_sources = [sum(map(len, generator.sources[split])) for split in counts]
    print(f'{args.out}: {counts} images of {args.image_size}x{args.image_size} px, '
          f'source digits {num_sources} (train/val/test), {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
