"""Write the seeded offline event-tracking sequences in the FE108 release layout.

    python tools/dataset_converters/make_event_tracking.py [--out data/synthetic_fe108]
        [--train 8] [--test 4] [--frames 40] [--size 128 96] [--num-bins 2] [--seed 0]

writes ``<out>/train/<seq>/`` and ``<out>/test/<seq>/`` (``events.npy``,
``timestamps.txt``, ``groundtruth_rect.txt``, ``img/``, ``inter<T>_stack_3008/``; see
``tpmm.datasets.event_sot.synthetic_event_sot``), the data root of
``configs/tracking/sot/sdtrack_sdtv1-tiny_synthetic-fe108.py``. The arguments are
recorded in ``<out>/tpmm_synthetic.json``; a folder written with the same arguments is
kept, one written with others is replaced, and a non-empty folder without that record is
never touched (the command stops instead).
"""
import argparse
import json
import os
import os.path as osp
import shutil

from tpmm.datasets.event_sot import SyntheticEventSOTGenerator

RECORD = 'tpmm_synthetic.json'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Write FE108-layout event-tracking data')
    parser.add_argument('--out', default='data/synthetic_fe108')
    parser.add_argument('--train', type=int, default=8, help='training sequences')
    parser.add_argument('--test', type=int, default=4, help='test sequences')
    parser.add_argument('--frames', type=int, default=40, help='frames per sequence')
    parser.add_argument('--size', type=int, nargs=2, default=[128, 96], metavar=('W', 'H'))
    parser.add_argument('--num-bins', type=int, default=2, help='event frames per frame')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def make_event_tracking(args) -> dict:
    """Write (or keep) the sequences; returns the summary of the generator."""
    record = dict(train=args.train, test=args.test, frames=args.frames, size=args.size,
                  num_bins=args.num_bins, seed=args.seed)
    record_path = osp.join(args.out, RECORD)
    if osp.isdir(args.out) and os.listdir(args.out):
        if not osp.isfile(record_path):
            raise FileExistsError(f'{args.out} exists without {RECORD}; not touching it')
        with open(record_path) as f:
            written = json.load(f)
        if written['args'] == record:
            print(f'{args.out}: kept (same arguments)')
            return written['summary']
        shutil.rmtree(args.out)
    generator = SyntheticEventSOTGenerator(height=args.size[1], width=args.size[0],
                                           seq_length=args.frames, num_bins=args.num_bins,
                                           seed=args.seed)
    summary = generator.write(args.out, num_train=args.train, num_test=args.test)
    with open(record_path, 'w') as f:
        json.dump(dict(args=record, summary=summary), f)
    print(f'{args.out}: {args.train} train + {args.test} test sequences of {args.frames} '
          f'frames ({args.size[0]}x{args.size[1]}, {args.num_bins} event bins)')
    return summary


if __name__ == '__main__':
    make_event_tracking(parse_args())
