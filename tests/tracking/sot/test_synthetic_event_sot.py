"""The generated FE108-layout sequences: files, exact boxes, events where things move."""
import numpy as np

from tpmm.datasets.event_sot import SyntheticEventSOTGenerator, read_boxes


def test_sequences_in_fe108_layout_with_boxes_in_frame(fe108_data):
    root = fe108_data.root
    assert fe108_data.summary['train']['sequences'] == ['train_seq00', 'train_seq01']
    seq = root / 'test' / 'test_seq00'
    boxes = read_boxes(str(seq / 'groundtruth_rect.txt'))
    assert boxes.shape == (fe108_data.seq_length, 4)
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 0] + boxes[:, 2] <= 96).all()
    assert (boxes[:, 1] + boxes[:, 3] <= 64).all()
    assert len(list((seq / 'img').iterdir())) == fe108_data.seq_length
    assert sorted(p.name for p in (seq / 'inter2_stack_3008').iterdir())[:2] == [
        '0001_1.png', '0001_2.png']
    events = np.load(seq / 'events.npy')
    assert (np.diff(events[:, 0]) >= 0).all() and set(np.unique(events[:, 3])) <= {0, 1}


def test_events_fire_on_the_moving_object():
    generator = SyntheticEventSOTGenerator(height=48, width=64, seq_length=6,
                                           object_size=(12, 16), seed=7)
    generator.sampler.jitter = 0.0
    rng = np.random.default_rng(0)
    events, boxes = [], []
    generator.save = lambda seq_dir, ev, bx, greys: (events.append(ev), boxes.append(bx))
    generator.write_sequence('unused', rng)
    ev, bx = events[0], boxes[0]
    # events of frame 3: inside the union of the boxes of frames 2 and 3 (the object's old
    # and new place), unless the background panned in that frame
    frame = (ev[:, 0] > 3 * generator.frame_us) & (ev[:, 0] <= 4 * generator.frame_us)
    x1 = min(bx[2, 0], bx[3, 0]) - 1
    y1 = min(bx[2, 1], bx[3, 1]) - 1
    x2 = max(bx[2, 0] + bx[2, 2], bx[3, 0] + bx[3, 2]) + 1
    y2 = max(bx[2, 1] + bx[2, 3], bx[3, 1] + bx[3, 3]) + 1
    x, y = ev[frame, 1], ev[frame, 2]
    inside = (x >= x1) & (x < x2) & (y >= y1) & (y < y2)
    assert frame.sum() > 0
    assert inside.mean() > 0.5


def test_same_seed_same_sequences(tmp_path):
    def make(folder):
        gen = SyntheticEventSOTGenerator(height=32, width=48, seq_length=3,
                                         object_size=(8, 10), seed=11)
        gen.write(str(folder), num_train=1, num_test=0)
        return folder / 'train' / 'train_seq00'
    a, b = make(tmp_path / 'a'), make(tmp_path / 'b')
    np.testing.assert_array_equal(np.load(a / 'events.npy'), np.load(b / 'events.npy'))
    assert (a / 'groundtruth_rect.txt').read_text() == (b / 'groundtruth_rect.txt').read_text()
