"""tools/dataset_converters/aedat4_to_events.py on real AEDAT4 files written with
dv-processing's writer: the converted list against the events written, and the FE108
reader's 'events' frames on the converted sequence against hand counts."""
import os
import runpy
import sys

import dv_processing as dv
import numpy as np
import pytest

from tpmm.datasets.event_sot import aedat4_path, read_aedat4_events
from tpmm.registry import DATASETS

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
TOOL = 'tools/dataset_converters/aedat4_to_events.py'
T0 = 1_665_000_000_000_000    # an epoch in microseconds, as DV cameras stamp events
WIDTH, HEIGHT = 12, 8
# (t_us, x, y, p) in two batches; frame 1 of timestamps T0 + 1000, 2000, 3000 is
# [T0 + 1000, T0 + 2000), bins of 500 us
BATCHES = [
    [(T0 + 400, 0, 0, 1), (T0 + 1000, 3, 2, 1), (T0 + 1100, 3, 2, 1), (T0 + 1499, 5, 4, 0)],
    [(T0 + 1500, 3, 2, 1), (T0 + 1999, 11, 7, 0), (T0 + 2000, 3, 2, 0),
     (T0 + 2999, 1, 1, 1)],
]


def write_aedat4(path, batches, resolution=(WIDTH, HEIGHT)):
    """An event-only AEDAT4 file of ``batches`` (lists of ``(t, x, y, p)``)."""
    writer = dv.io.MonoCameraWriter(str(path), dv.io.MonoCameraWriter.EventOnlyConfig(
        'tpmm-test', resolution))
    for batch in batches:
        store = dv.EventStore()
        for t, x, y, p in batch:
            store.push_back(t, x, y, bool(p))
        writer.writeEvents(store)
    del writer    # closes the file


def run_tool(args, monkeypatch, capfd):
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(sys, 'argv', [TOOL] + [str(a) for a in args])
    runpy.run_path(TOOL, run_name='__main__')
    out, err = capfd.readouterr()
    return out + err


def test_fe108_aedat4_converted_then_read(tmp_path, monkeypatch, capfd):
    seq_dir = tmp_path / 'test' / 'airplane'
    seq_dir.mkdir(parents=True)
    assert aedat4_path(str(seq_dir), 'fe108') == str(seq_dir / 'events.aedat4')
    write_aedat4(seq_dir / 'events.aedat4', BATCHES)
    (seq_dir / 'groundtruth_rect.txt').write_text('1,1,4,4\n2,1,4,4\n3,1,4,4\n')
    (seq_dir / 'timestamps.txt').write_text(
        ''.join(f'{T0 + 1000 * k}\n' for k in (1, 2, 3)))

    log = run_tool([tmp_path, '--layout', 'fe108'], monkeypatch, capfd)
    assert 'train: no such folder, skipped' in log
    assert '[1/1] test/airplane: 8 events' in log
    events = np.load(seq_dir / 'events.npy')
    np.testing.assert_array_equal(events, np.array(BATCHES[0] + BATCHES[1], dtype=np.int64))
    assert 'kept' in run_tool([tmp_path, '--layout', 'fe108'], monkeypatch, capfd)

    dataset = DATASETS.build(dict(
        type='FE108Dataset', data_root=str(tmp_path), split='test', num_bins=2,
        test_mode=True, representation='events', sensor_size=(HEIGHT, WIDTH),
        max_count=255, pipeline=[dict(type='LoadEventFrames')]))
    counts = np.rint(dataset[1]['frames'].numpy() * 255)    # [T, 3, H, W], count = value
    expected = np.zeros((2, 3, HEIGHT, WIDTH))
    expected[0, 0, 2, 3] = 2    # ON at x=3, y=2: T0 + 1000, 1100 (bin 0)
    expected[0, 2, 4, 5] = 1    # OFF at x=5, y=4: T0 + 1499
    expected[1, 0, 2, 3] = 1    # ON at x=3, y=2: T0 + 1500 (bin 1)
    expected[1, 2, 7, 11] = 1   # OFF at x=11, y=7: T0 + 1999; T0 + 2000 is frame 2's
    np.testing.assert_array_equal(counts, expected)


@pytest.mark.parametrize('layout', ['visevent', 'felt'])
def test_aedat4_named_after_the_sequence(tmp_path, layout):
    seq_dir = tmp_path / 'dvSave-2022_10_11_19_43_03'
    seq_dir.mkdir()
    path = aedat4_path(str(seq_dir), layout)
    assert path == str(seq_dir / 'dvSave-2022_10_11_19_43_03.aedat4')
    write_aedat4(path, [[(10, 3, 3, 1)], [(30, 1, 1, 0), (40, 2, 2, 1)]])
    np.testing.assert_array_equal(read_aedat4_events(path),
                                  [[10, 3, 3, 1], [30, 1, 1, 0], [40, 2, 2, 1]])


def test_file_without_events_or_not_aedat4_is_named(tmp_path):
    frames_only = tmp_path / 'frames.aedat4'
    writer = dv.io.MonoCameraWriter(
        str(frames_only), dv.io.MonoCameraWriter.FrameOnlyConfig('tpmm-test', (8, 6)))
    writer.writeFrame(dv.Frame(10, np.zeros((6, 8), dtype=np.uint8)))
    del writer
    with pytest.raises(ValueError, match=r'frames\.aedat4 holds no event stream'):
        read_aedat4_events(str(frames_only))
    junk = tmp_path / 'junk.aedat4'
    junk.write_text('not an aedat4 file')
    with pytest.raises(ValueError, match=r'junk\.aedat4 is not a readable \.aedat4 file'):
        read_aedat4_events(str(junk))
    with pytest.raises(FileNotFoundError, match=r'missing\.aedat4'):
        read_aedat4_events(str(tmp_path / 'missing.aedat4'))
