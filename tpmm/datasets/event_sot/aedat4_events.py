"""The releases' ``.aedat4`` recordings to the readers' ``[N, 4]`` ``.npy`` event lists.

FE108, VisEvent and FELT ship each sequence's events as an AEDAT4 file (read with
``dv-processing``), named like the ``.npy`` list of :mod:`.sequence_io` with the
``.aedat4`` suffix (``events.aedat4`` in FE108, ``<sequence>.aedat4`` in VisEvent /
FELT). The list keeps the recording's clock unchanged (``t_us`` = the AEDAT4 timestamp in
microseconds, the clock of the recording's APS frames too; ``timestamps.txt`` must be in
it) and its polarity as ``1`` (ON) / ``0`` (OFF). AEDAT4 event streams are in time order
(dv-processing refuses to store or write events out of order), so the list is too.
"""
import os
import os.path as osp

import dv_processing as dv
import numpy as np

from .sequence_io import events_path


def aedat4_path(seq_dir: str, layout: str) -> str:
    """Path of the sequence's release ``.aedat4`` file."""
    return osp.splitext(events_path(seq_dir, layout))[0] + '.aedat4'


def read_aedat4_events(path: str) -> np.ndarray:
    """All events of an AEDAT4 file: ``[N, 4]`` int64 ``(t_us, x, y, p)`` sorted by time."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    try:
        recording = dv.io.MonoCameraRecording(path)
    except RuntimeError as error:
        reason = str(error).splitlines()[1] if '\n' in str(error) else str(error)
        raise ValueError(f'{path} is not a readable .aedat4 file: {reason}') from None
    if not recording.isEventStreamAvailable():
        raise ValueError(f'{path} holds no event stream (streams: '
                         f'{recording.getStreamNames()})')
    batches = []
    while (batch := recording.getNextEventBatch()) is not None:
        batches.append(batch.numpy())
    if not batches:
        return np.zeros((0, 4), dtype=np.int64)
    records = np.concatenate(batches)
    return np.stack([records[name].astype(np.int64)
                     for name in ('timestamp', 'x', 'y', 'polarity')], axis=1)


def convert_sequence(seq_dir: str, layout: str) -> int:
    """Write the ``.npy`` event list of ``seq_dir`` from its ``.aedat4``; returns ``N``.

    The list is written to a ``.partial`` file first, so an interrupted conversion leaves
    no truncated ``.npy`` behind.
    """
    events = read_aedat4_events(aedat4_path(seq_dir, layout))
    target = events_path(seq_dir, layout)
    with open(target + '.partial', 'wb') as f:
        np.save(f, events)
    os.replace(target + '.partial', target)
    return len(events)
