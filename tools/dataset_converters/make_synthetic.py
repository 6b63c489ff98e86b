"""Write the seeded offline demo datasets in the real COCO / ADE20K / MOTChallenge layouts.

    python tools/dataset_converters/make_synthetic.py [--out data] [--which coco ade mot]
        [--seed 0] [--coco-images 64 16] [--ade-images 64 16] [--image-size 128]
        [--mot-sequences 4] [--mot-frames 30] [--mot-size 192 108]
        [--background natural|clutter]

writes ``<out>/synthetic_coco/`` (COCO 2017 instances), ``<out>/synthetic_ade/
ADEChallengeData2016/`` and ``<out>/synthetic_mot/`` (MOT17-style ``train/`` plus the
CocoVideo ``annotations/{train,half-train,half-val}_cocoformat.json``), the data roots of
the ``configs/_base_/datasets/synthetic_*.py`` configs. The objects are drawn over crops of
the photographs bundled with scikit-image (``--background natural``, the default) or over
the synthetic clutter texture (``--background clutter``). Each folder records its arguments
in ``tpmm_synthetic.json``: a folder written with the same arguments is kept as it is, one
written with other arguments is replaced, and a folder without that record is never
touched (the command stops instead).
"""
import argparse
import json
import os
import os.path as osp
import shutil

from tpmm.datasets.mot_to_coco_video import convert_mot_to_coco_video
from tpmm.datasets.synthetic_ade import SyntheticADEGenerator
from tpmm.datasets.synthetic_coco import SyntheticCocoGenerator
from tpmm.datasets.synthetic_mot import SyntheticMOTGenerator
from tpmm.datasets.synthetic_shapes import BACKGROUNDS, SHAPE_CLASSES

RECORD = 'tpmm_synthetic.json'


def parse_args():
    parser = argparse.ArgumentParser(description='Write the synthetic demo datasets')
    parser.add_argument('--out', default='data', help='parent folder of the datasets')
    parser.add_argument('--which', nargs='+', choices=['coco', 'ade', 'mot'],
                        default=['coco', 'ade', 'mot'], help='datasets to write')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--background', choices=BACKGROUNDS, default='natural',
                        help='what the objects are drawn on: crops of bundled photographs '
                        '(natural) or a synthetic texture with strokes (clutter)')
    parser.add_argument('--classes', nargs='+', default=list(SHAPE_CLASSES),
                        help=f'shape classes of the COCO and ADE sets, from {SHAPE_CLASSES}')
    parser.add_argument('--image-size', type=int, default=128,
                        help='side of the square COCO and ADE images')
    parser.add_argument('--coco-images', type=int, nargs=2, default=[64, 16],
                        metavar=('TRAIN', 'VAL'), help='COCO images per split')
    parser.add_argument('--ade-images', type=int, nargs=2, default=[64, 16],
                        metavar=('TRAIN', 'VAL'), help='ADE20K images per split')
    parser.add_argument('--mot-sequences', type=int, default=4, help='MOT train sequences')
    parser.add_argument('--mot-frames', type=int, default=30, help='frames per MOT sequence')
    parser.add_argument('--mot-size', type=int, nargs=2, default=[192, 108],
                        metavar=('WIDTH', 'HEIGHT'), help='MOT frame size')
    return parser.parse_args()


def prepare_folder(folder, record):
    """True when ``folder`` must be (re)written; clears a stale synthetic folder."""
    record_file = osp.join(folder, RECORD)
    if osp.isdir(folder) and os.listdir(folder):
        if not osp.isfile(record_file):
            raise FileExistsError(f'{folder} exists and was not written by this tool '
                                  f'(no {RECORD}); move it or choose another --out')
        with open(record_file) as f:
            if json.load(f) == record:
                print(f'{folder}: up to date (same arguments), kept')
                return False
        shutil.rmtree(folder)
    os.makedirs(folder, exist_ok=True)
    return True


def finish_folder(folder, record):
    with open(osp.join(folder, RECORD), 'w') as f:
        json.dump(record, f, indent=1)


def write_coco(args):
    folder = osp.join(args.out, 'synthetic_coco')
    record = dict(kind='coco', seed=args.seed, classes=args.classes, image_size=args.image_size,
                  images=args.coco_images, background=args.background)
    if not prepare_folder(folder, record):
        return
    generator = SyntheticCocoGenerator(height=args.image_size, width=args.image_size,
                                       classes=args.classes, background=args.background,
                                       seed=args.seed)
    summary = generator.write(folder, *args.coco_images)
    for split, info in summary.items():
        print(f'{info["ann_file"]}: {info["images"]} images ({info["empty_images"]} empty), '
              f'{info["annotations"]} instances in {info["img_dir"]}/')
    finish_folder(folder, record)


def write_ade(args):
    folder = osp.join(args.out, 'synthetic_ade')
    record = dict(kind='ade', seed=args.seed, classes=args.classes, image_size=args.image_size,
                  images=args.ade_images, background=args.background)
    if not prepare_folder(folder, record):
        return
    generator = SyntheticADEGenerator(height=args.image_size, width=args.image_size,
                                      classes=args.classes, background=args.background,
                                      seed=args.seed)
    summary = generator.write(folder, *args.ade_images)
    names = ', '.join(f'{value}={name}' for value, name in generator.label_names().items())
    for split, info in summary.items():
        print(f'{info["img_dir"]}/ and {info["ann_dir"]}/: {info["images"]} images '
              f'(labels 0=other, {names})')
    finish_folder(folder, record)


def write_mot(args):
    folder = osp.join(args.out, 'synthetic_mot')
    record = dict(kind='mot', seed=args.seed, sequences=args.mot_sequences,
                  frames=args.mot_frames, size=args.mot_size, background=args.background)
    if not prepare_folder(folder, record):
        return
    generator = SyntheticMOTGenerator(width=args.mot_size[0], height=args.mot_size[1],
                                      seq_length=args.mot_frames, background=args.background,
                                      seed=args.seed)
    summary = generator.write(folder, num_train=args.mot_sequences)
    print(f'{summary["train"]["dir"]}/: sequences {", ".join(summary["train"]["sequences"])} '
          f'({summary["train"]["frames"]} frames, gt/gt.txt, det/det.txt, seqinfo.ini)')
    ann_dir = osp.join(folder, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    for subset, half in (('train', None), ('half-train', 'train'), ('half-val', 'val')):
        coco_video = convert_mot_to_coco_video(osp.join(folder, 'train'), half=half)
        out_file = osp.join(ann_dir, f'{subset}_cocoformat.json')
        with open(out_file, 'w') as f:
            json.dump(coco_video, f)
        print(f'{out_file}: {len(coco_video["images"])} frames, '
              f'{len(coco_video["annotations"])} boxes, {coco_video["num_instances"]} tracks')
    finish_folder(folder, record)


def main():
    args = parse_args()
    writers = dict(coco=write_coco, ade=write_ade, mot=write_mot)
    for name in args.which:
        writers[name](args)


if __name__ == '__main__':
    main()
