"""Events to frames and the contrast-threshold simulator against hand computations."""
import numpy as np
import pytest

from tpmm.datasets.event_sot import (ContrastThresholdEventSimulator, events_to_frames,
                                     frames_to_images)


def test_events_to_frames_counts_per_bin_polarity_and_pixel():
    events = np.array([
        [10.0, 1, 0, 1],     # bin 0, ON at (x=1, y=0)
        [20.0, 1, 0, 1],     # bin 0, ON again
        [50.0, 2, 1, 0],     # bin 1 (50 / 100 * 2 = 1.0), OFF at (2, 1)
        [99.9, 0, 2, 1],     # bin 1, ON at (0, 2)
        [100.0, 0, 0, 1],    # t_end: excluded
        [-1.0, 0, 0, 1],     # before the window: excluded
        [30.0, 3, 0, 1],     # x outside a 3-wide sensor: excluded
    ])
    frames = events_to_frames(events, 0.0, 100.0, num_bins=2, height=3, width=3)
    expected = np.zeros((2, 2, 3, 3), dtype=np.float32)
    expected[0, 0, 0, 1] = 2
    expected[1, 1, 1, 2] = 1
    expected[1, 0, 2, 0] = 1
    np.testing.assert_array_equal(frames, expected)


def test_events_to_frames_rejects_an_empty_window():
    with pytest.raises(ValueError, match='t_end > t_start'):
        events_to_frames(np.zeros((0, 4)), 5.0, 5.0, 1, 2, 2)


def test_frames_to_images_scales_and_clips_counts():
    frames = np.zeros((1, 2, 1, 3), dtype=np.float32)
    frames[0, 0, 0] = [1, 2, 9]   # ON
    frames[0, 1, 0] = [0, 4, 3]   # OFF
    image = frames_to_images(frames, max_count=4.0)
    assert image.shape == (1, 1, 3, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image[0, 0, :, 0], [64, 128, 255])    # round(255 c / 4)
    np.testing.assert_array_equal(image[0, 0, :, 1], [0, 0, 0])
    np.testing.assert_array_equal(image[0, 0, :, 2], [0, 255, 191])


def test_simulator_emits_interpolated_threshold_crossings():
    sim = ContrastThresholdEventSimulator(0.15, np.zeros((1, 2)))
    up = sim.step(np.array([[0.35, 0.1]]), 100.0)
    # pixel (0, 0) rises 0.35: levels 0.15 and 0.30 crossed at 0.15/0.35 and 0.30/0.35
    np.testing.assert_allclose(up, [[100 * 0.15 / 0.35, 0, 0, 1],
                                    [100 * 0.30 / 0.35, 0, 0, 1]])
    down = sim.step(np.array([[0.0, 0.1]]), 200.0)
    # reference 0.30; falling from 0.35 to 0: levels 0.15 and 0.0
    np.testing.assert_allclose(down, [[100 + 100 * 0.20 / 0.35, 0, 0, 0],
                                      [200.0, 0, 0, 0]])
    # pixel (0, 1) never moved a whole threshold from its reference 0
    assert sim.step(np.array([[0.0, 0.149]]), 300.0).shape == (0, 4)
