"""Convert MOTChallenge (MOT16 / MOT17 / MOT20) labels to mmdet's CocoVideo json.

    python tools/dataset_converters/mot2coco_video.py -i data/MOT17 -o data/MOT17/annotations \
        [--split-train]

writes ``train_cocoformat.json`` (and ``test_cocoformat.json``, without annotations, when
``<input>/test`` exists); ``--split-train`` adds ``half-train_cocoformat.json`` and
``half-val_cocoformat.json`` (first ``n // 2 + 1`` / remaining frames of each train
sequence), the files of ``configs/_base_/datasets/mot_challenge.py``.
"""
import argparse
import json
import os
import os.path as osp

from tpmm.datasets.mot_to_coco_video import convert_mot_to_coco_video


def parse_args():
    parser = argparse.ArgumentParser(description='Convert MOTChallenge labels to CocoVideo json')
    parser.add_argument('-i', '--input', required=True,
                        help='MOT root holding train/ (and test/)')
    parser.add_argument('-o', '--output', required=True, help='folder for the json files')
    parser.add_argument('--split-train', action='store_true',
                        help='also write the half-train / half-val split of train/')
    return parser.parse_args()


def main():
    args = parse_args()
    train_dir = osp.join(args.input, 'train')
    if not osp.isdir(train_dir):
        raise FileNotFoundError(f'--input: {train_dir} not found')
    subsets = [('train', train_dir, None, True)]
    if args.split_train:
        subsets += [('half-train', train_dir, 'train', True), ('half-val', train_dir, 'val', True)]
    test_dir = osp.join(args.input, 'test')
    if osp.isdir(test_dir):
        subsets.append(('test', test_dir, None, False))
    os.makedirs(args.output, exist_ok=True)
    for subset, split_dir, half, with_gt in subsets:
        coco_video = convert_mot_to_coco_video(split_dir, half=half, with_gt=with_gt)
        out_file = osp.join(args.output, f'{subset}_cocoformat.json')
        with open(out_file, 'w') as f:
            json.dump(coco_video, f)
        print(f'{out_file}: {len(coco_video["videos"])} sequences, '
              f'{len(coco_video["images"])} frames, {len(coco_video["annotations"])} boxes, '
              f'{coco_video["num_instances"]} tracks')


if __name__ == '__main__':
    main()
