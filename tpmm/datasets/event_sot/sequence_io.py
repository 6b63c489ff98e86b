"""Files of one event-tracking sequence in the FE108, VisEvent and FELT release layouts.

Every layout is ``<root>/<split>/<sequence>/`` (splits ``train`` / ``test``) with

=========  =====================  ============================  ===================
layout     ground truth           events (release: ``.aedat4``)  stack frame numbers
=========  =====================  ============================  ===================
fe108      ``groundtruth_rect.txt``  ``events.npy``               from 1 (``0001_1``)
visevent   ``groundtruth.txt``       ``<sequence>.npy``           from 0 (``0000_1``)
felt       ``groundtruth.txt``       ``<sequence>.npy``           from 0 (``0000_1``)
=========  =====================  ============================  ===================

Ground truth: one ``x,y,w,h`` box per annotated frame (comma, tab or space separated,
top-left corner, pixels). Two event representations are read:

* ``'stack'``: the pre-rendered event frames SDTrack trains on (its ``GTP_*.py``
  scripts write them from the ``.aedat4`` files; its re-processed releases ship only
  these), ``<sequence>/inter<T>_stack_3008/<frame:04d>_<bin>.png`` with bins 1..T;
* ``'events'``: the raw events as an ``[N, 4]`` ``.npy`` list ``(t_us, x, y, p)``
  sorted by time, named like the release's ``.aedat4`` with the ``.npy`` suffix, plus
  ``timestamps.txt`` (the time in microseconds at which each annotated frame ends).
  Frame ``i`` accumulates the events of ``[timestamps[i-1], timestamps[i])`` (frame 0:
  a window of the same length as frame 1's). ``timestamps.txt`` is in the clock of the
  events (the ``.aedat4`` recording's microseconds). The readers do not decode
  ``.aedat4`` at each epoch: convert the release's files once with
  ``tools/dataset_converters/aedat4_to_events.py ROOT --layout fe108|visevent|felt``
  (:mod:`.aedat4_events`: same clock, polarity ``1`` / ``0``).
"""
import os.path as osp
from typing import Tuple

import numpy as np
from PIL import Image

from .event_frames import events_to_frames, frames_to_images

#: per layout: ground-truth file, event list file ({seq} = sequence name), number of
#: the first stack frame.
LAYOUTS = {
    'fe108': dict(gt_file='groundtruth_rect.txt', events_file='events.npy', first_frame=1),
    'visevent': dict(gt_file='groundtruth.txt', events_file='{seq}.npy', first_frame=0),
    'felt': dict(gt_file='groundtruth.txt', events_file='{seq}.npy', first_frame=0),
}
TIMESTAMPS_FILE = 'timestamps.txt'
DEFAULT_STACK_DIR = 'inter{num_bins}_stack_3008'


def layout_info(layout: str) -> dict:
    """The :data:`LAYOUTS` entry of ``layout``."""
    if layout not in LAYOUTS:
        raise ValueError(f'unknown event-tracking layout {layout!r}; one of {sorted(LAYOUTS)}')
    return LAYOUTS[layout]


def read_boxes(path: str) -> np.ndarray:
    """``[N, 4]`` float64 ``x, y, w, h`` boxes of a ground-truth file (``NaN`` kept)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'ground-truth file {path} not found')
    boxes = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.replace(',', ' ').replace('\t', ' ').split()
            if not fields:
                continue
            try:
                values = [float(v) for v in fields]
            except ValueError:
                raise ValueError(f'{path}, line {number}: not numbers: {line.strip()!r}') from None
            if len(values) != 4:
                raise ValueError(f'{path}, line {number}: expected 4 values x,y,w,h, got '
                                 f'{len(values)}')
            boxes.append(values)
    if not boxes:
        raise ValueError(f'ground-truth file {path} holds no box')
    return np.asarray(boxes, dtype=np.float64)


def write_boxes(path: str, boxes: np.ndarray) -> None:
    """Write ``[N, 4]`` boxes as comma-separated ``x,y,w,h`` lines."""
    with open(path, 'w') as f:
        for box in np.asarray(boxes, dtype=np.float64):
            f.write(','.join(f'{v:.2f}' for v in box) + '\n')


def stack_path(seq_dir: str, layout: str, frame_index: int, bin_index: int,
               num_bins: int, stack_dir: str = DEFAULT_STACK_DIR) -> str:
    """Path of bin ``bin_index`` (0-based) of annotated frame ``frame_index`` (0-based)."""
    number = frame_index + layout_info(layout)['first_frame']
    return osp.join(seq_dir, stack_dir.format(num_bins=num_bins),
                    f'{number:04d}_{bin_index + 1}.png')


def events_path(seq_dir: str, layout: str) -> str:
    """Path of the sequence's ``.npy`` event list."""
    name = layout_info(layout)['events_file'].format(seq=osp.basename(osp.normpath(seq_dir)))
    return osp.join(seq_dir, name)


def frame_window(timestamps: np.ndarray, frame_index: int) -> Tuple[float, float]:
    """``[t_start, t_end)`` of annotated frame ``frame_index`` (see the module doc)."""
    if len(timestamps) < 2:
        raise ValueError('timestamps.txt needs at least two frames')
    t_end = float(timestamps[frame_index])
    if frame_index == 0:
        return t_end - float(timestamps[1] - timestamps[0]), t_end
    return float(timestamps[frame_index - 1]), t_end


def load_event_frame(seq_dir: str, layout: str, frame_index: int, num_bins: int,
                     representation: str = 'stack', stack_dir: str = DEFAULT_STACK_DIR,
                     sensor_size: Tuple[int, int] = (260, 346),
                     max_count: float = 4.0) -> np.ndarray:
    """The event frames of annotated frame ``frame_index``: ``[num_bins, H, W, 3]`` uint8.

    ``sensor_size`` ``(H, W)`` and ``max_count`` are used by ``representation='events'``
    only (a stack's images carry their own size and scaling).
    """
    if representation == 'stack':
        images = []
        for b in range(num_bins):
            path = stack_path(seq_dir, layout, frame_index, b, num_bins, stack_dir)
            if not osp.isfile(path):
                raise FileNotFoundError(f'event frame {path} not found (representation '
                                        f"'stack', num_bins={num_bins})")
            images.append(np.asarray(Image.open(path).convert('RGB')))
        return np.stack(images)
    if representation == 'events':
        path = events_path(seq_dir, layout)
        ts_path = osp.join(seq_dir, TIMESTAMPS_FILE)
        for needed in (path, ts_path):
            if not osp.isfile(needed):
                raise FileNotFoundError(f"{needed} not found (representation 'events')")
        events = np.load(path, mmap_mode='r')
        t_start, t_end = frame_window(np.loadtxt(ts_path, ndmin=1), frame_index)
        lo, hi = np.searchsorted(events[:, 0], [t_start, t_end], side='left')
        frames = events_to_frames(np.asarray(events[lo:hi]), t_start, t_end, num_bins,
                                  *sensor_size)
        return frames_to_images(frames, max_count)
    raise ValueError(f"representation must be 'stack' or 'events', got {representation!r}")
