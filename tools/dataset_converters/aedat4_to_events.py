"""Convert an FE108 / VisEvent / FELT release's ``.aedat4`` files to ``.npy`` event lists.

    python tools/dataset_converters/aedat4_to_events.py ROOT --layout fe108|visevent|felt
        [--splits train test] [--overwrite]

For every ``ROOT/<split>/<sequence>/`` holding the release's ``.aedat4`` (``events.aedat4``
in FE108, ``<sequence>.aedat4`` in VisEvent / FELT) writes the ``[N, 4]`` ``(t_us, x, y,
p)`` list next to it (``events.npy`` / ``<sequence>.npy``), the input of
``representation='events'`` (see ``tpmm.datasets.event_sot.sequence_io``). A list already
there is kept unless ``--overwrite``; a split without a folder is skipped. One line per
sequence reports progress.
"""
import argparse
import os
import os.path as osp
import time

from tpmm.datasets.event_sot import aedat4_path, convert_sequence
from tpmm.datasets.event_sot.sequence_io import LAYOUTS, events_path


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Convert .aedat4 events to .npy lists')
    parser.add_argument('root', help='dataset root holding <split>/<sequence>/')
    parser.add_argument('--layout', required=True, choices=sorted(LAYOUTS))
    parser.add_argument('--splits', nargs='+', default=['train', 'test'])
    parser.add_argument('--overwrite', action='store_true',
                        help='convert sequences whose .npy list exists too')
    return parser.parse_args(argv)


def aedat4_to_events(args) -> dict:
    """Convert every sequence; returns ``{'converted': n, 'kept': n, 'events': N}``."""
    seq_dirs = []
    for split in args.splits:
        split_dir = osp.join(args.root, split)
        if not osp.isdir(split_dir):
            print(f'{split_dir}: no such folder, skipped')
            continue
        seq_dirs += [osp.join(split_dir, name) for name in sorted(os.listdir(split_dir))
                     if osp.isfile(aedat4_path(osp.join(split_dir, name), args.layout))]
    if not seq_dirs:
        raise FileNotFoundError(f'no {args.layout} .aedat4 file under {args.root}/'
                                f'{{{",".join(args.splits)}}}/<sequence>/')
    summary = dict(converted=0, kept=0, events=0)
    for k, seq_dir in enumerate(seq_dirs, 1):
        name = osp.relpath(seq_dir, args.root)
        if osp.isfile(events_path(seq_dir, args.layout)) and not args.overwrite:
            summary['kept'] += 1
            print(f'[{k}/{len(seq_dirs)}] {name}: kept {events_path(seq_dir, args.layout)}',
                  flush=True)
            continue
        start = time.perf_counter()
        num_events = convert_sequence(seq_dir, args.layout)
        summary['converted'] += 1
        summary['events'] += num_events
        print(f'[{k}/{len(seq_dirs)}] {name}: {num_events} events '
              f'({time.perf_counter() - start:.1f} s)', flush=True)
    print(f"{summary['converted']} converted, {summary['kept']} kept")
    return summary


if __name__ == '__main__':
    aedat4_to_events(parse_args())
