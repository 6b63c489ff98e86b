"""Offline event-tracking sequences in the FE108 release layout, with exact boxes.

A textured object (a crop of a bundled photograph, elliptic or rectangular) moves over a
natural-photo background that pans by a pixel now and then, growing and shrinking
smoothly and bouncing off the frame borders. Every annotated frame is rendered at
``substeps`` instants; :class:`ContrastThresholdEventSimulator` turns the log-intensity
changes into events. Per sequence (``<root>/<split>/<name>/``) it writes

* ``events.npy``: ``[N, 4]`` float64 ``(t_us, x, y, p)`` sorted by time (FE108 ships
  ``events.aedat4``; see :mod:`.sequence_io`), ``timestamps.txt``: end time of each
  annotated frame's event window;
* ``groundtruth_rect.txt``: the object's box ``x,y,w,h`` at each frame's end time;
* ``img/<frame:04d>.jpg``: the grey frame at that time (FE108's APS frames);
* ``inter<T>_stack_3008/<frame:04d>_<bin>.png``: the event frames of
  :func:`events_to_frames` / :func:`frames_to_images`, frames numbered from 1.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from PIL import Image

from ..natural_backgrounds import NaturalBackgroundSampler
from .event_frames import events_to_frames, frames_to_images
from .event_simulator import ContrastThresholdEventSimulator, log_intensity
from .sequence_io import TIMESTAMPS_FILE, events_path, frame_window, stack_path, write_boxes


class SyntheticEventSOTGenerator:
    """Seeded generator of FE108-layout event-tracking sequences.

    Args:
        height, width (int): frame size.
        seq_length (int): annotated frames per sequence.
        object_size (tuple): range of the object's base side (pixels).
        speed (tuple): range of the object's speed (pixels per frame).
        substeps (int): rendered instants per annotated frame.
        frame_us (float): duration of an annotated frame (microseconds).
        threshold (float): the simulator's contrast threshold.
        num_bins (int): time bins of the written event stacks.
        max_count (float): event count drawn as 255 in the stacks.
        seed (int): seed of everything.
    """

    def __init__(self, height: int = 96, width: int = 128, seq_length: int = 40,
                 object_size: Tuple[int, int] = (16, 32), speed: Tuple[float, float] = (1.5, 4.0),
                 substeps: int = 4, frame_us: float = 10000.0, threshold: float = 0.15,
                 num_bins: int = 2, max_count: float = 4.0, seed: int = 0):
        self.height, self.width, self.seq_length = height, width, seq_length
        self.object_size, self.speed, self.substeps = object_size, speed, substeps
        self.frame_us, self.threshold = float(frame_us), threshold
        self.num_bins, self.max_count, self.seed = num_bins, max_count, seed
        self.sampler = NaturalBackgroundSampler()

    def write(self, root: str, num_train: int = 8, num_test: int = 4) -> Dict[str, dict]:
        """Write ``root/train`` and ``root/test``; returns per split the sequence names
        and frame counts."""
        summary = {}
        rng = np.random.default_rng(self.seed)
        for split, count in (('train', num_train), ('test', num_test)):
            names = [f'{split}_seq{i:02d}' for i in range(count)]
            for name in names:
                self.write_sequence(osp.join(root, split, name), rng)
            summary[split] = dict(sequences=names, num_frames=self.seq_length)
        return summary

    def write_sequence(self, seq_dir: str, rng: np.random.Generator) -> np.ndarray:
        """Render, simulate and write one sequence; returns its ``[N, 4]`` boxes."""
        h, w, pad = self.height, self.width, 8
        canvas = self.sampler.sample(rng, h + 2 * pad, w + 2 * pad)
        base = rng.integers(self.object_size[0], self.object_size[1] + 1, size=2)
        texture = self.sampler.sample(rng, int(base[1] * 1.3) + 1, int(base[0] * 1.3) + 1)
        elliptic = bool(rng.random() < 0.5)
        centre = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h])
        angle = rng.uniform(0, 2 * np.pi)
        velocity = rng.uniform(*self.speed) * np.array([np.cos(angle), np.sin(angle)])
        period, phase = rng.uniform(20, 40), rng.uniform(0, 2 * np.pi)
        view = np.array([pad, pad])

        def render(time_frames: float):
            scale = 1 + 0.2 * np.sin(2 * np.pi * time_frames / period + phase)
            ow, oh = [max(4, int(round(s * scale))) for s in base]
            x = int(round(np.clip(centre[0] - ow / 2, 0, w - ow)))
            y = int(round(np.clip(centre[1] - oh / 2, 0, h - oh)))
            frame = canvas[view[1]:view[1] + h, view[0]:view[0] + w].copy()
            patch = np.asarray(Image.fromarray(texture).resize((ow, oh), Image.BILINEAR))
            if elliptic:
                yy, xx = np.mgrid[:oh, :ow]
                mask = (((xx + 0.5 - ow / 2) / (ow / 2)) ** 2
                        + ((yy + 0.5 - oh / 2) / (oh / 2)) ** 2) <= 1
            else:
                mask = np.ones((oh, ow), dtype=bool)
            frame[y:y + oh, x:x + ow][mask] = patch[mask]
            return frame, (x, y, ow, oh)

        first, _ = render(0.0)
        simulator = ContrastThresholdEventSimulator(self.threshold, log_intensity(first))
        events, boxes, greys = [], [], []
        for index in range(self.seq_length):
            if rng.random() < 0.3:
                view = np.clip(view + rng.integers(-1, 2, size=2), 0, 2 * pad)
            velocity = velocity + rng.normal(0, 0.3, size=2)
            for k in range(1, self.substeps + 1):
                centre = centre + velocity / self.substeps
                for axis, size in ((0, w), (1, h)):
                    half = base[axis] * 0.6
                    if not half <= centre[axis] <= size - half:
                        velocity[axis] = -velocity[axis]
                        centre[axis] = np.clip(centre[axis], half, size - half)
                frame, box = render(index + k / self.substeps)
                t = (index + k / self.substeps) * self.frame_us
                events.append(simulator.step(log_intensity(frame), t))
            boxes.append(box)
            greys.append(frame)
        self.save(seq_dir, np.concatenate(events), np.asarray(boxes, dtype=np.float64), greys)
        return np.asarray(boxes, dtype=np.float64)

    def save(self, seq_dir: str, events: np.ndarray, boxes: np.ndarray, greys) -> None:
        """Write the sequence's files (see the module docstring)."""
        os.makedirs(osp.join(seq_dir, 'img'), exist_ok=True)
        timestamps = (np.arange(len(boxes)) + 1) * self.frame_us
        np.save(events_path(seq_dir, 'fe108'), events)
        np.savetxt(osp.join(seq_dir, TIMESTAMPS_FILE), timestamps, fmt='%.1f')
        write_boxes(osp.join(seq_dir, 'groundtruth_rect.txt'), boxes)
        for index, frame in enumerate(greys):
            Image.fromarray(frame).convert('L').save(
                osp.join(seq_dir, 'img', f'{index + 1:04d}.jpg'), quality=90)
            t_start, t_end = frame_window(timestamps, index)
            counts = events_to_frames(events, t_start, t_end, self.num_bins, self.height,
                                      self.width)
            for b, image in enumerate(frames_to_images(counts, self.max_count)):
                path = stack_path(seq_dir, 'fe108', index, b, self.num_bins)
                os.makedirs(osp.dirname(path), exist_ok=True)
                Image.fromarray(image).save(path)
