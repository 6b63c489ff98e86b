"""Seeded MOTChallenge (MOT17-style) sequences of walking figures::

    <out_dir>/train/SYNMOT-01/seqinfo.ini
    <out_dir>/train/SYNMOT-01/img1/000001.jpg ...
    <out_dir>/train/SYNMOT-01/gt/gt.txt      frame,id,x,y,w,h,1,1,visibility
    <out_dir>/train/SYNMOT-01/det/det.txt    frame,-1,x,y,w,h,score,-1,-1,-1
    <out_dir>/test/SYNMOT-0k/...             the same without gt/ (as MOTChallenge's test)

Each sequence has a static background, one crop of a bundled photograph held fixed over the
frames (``background='natural'``) or a synthetic clutter texture (``'clutter'``), with
fresh sensor noise per frame, and pedestrians (body ellipse + head, one colour per
identity) that move with constant velocity and bounce off the image border, so every
figure is in every frame. Figures are
painted far to near (by the bottom edge of their box); ``visibility`` is the fraction of a
figure's pixels that no nearer figure covers. Boxes are integer pixels, as in MOT17.
``det.txt`` holds noisy detections of the ground truth (misses more likely when occluded)
plus a few false positives.
"""
import colorsys
import os
import os.path as osp

import numpy as np
from shapely.affinity import scale as scale_geometry
from shapely.geometry import Point, box

from .mot_challenge_io import write_mot_det, write_mot_gt, write_seqinfo
from .synthetic_shapes import (check_background, paint, rasterize, save_jpeg, scene_background,
                               to_uint8)

_SPLITS = ('train', 'test')
_SKIN = (205, 160, 130)


class SyntheticMOTGenerator:
    """Deterministic generator of MOT17-style sequences.

    Args:
        height, width (int): frame size in pixels.
        seq_length (int): frames per sequence.
        objects_per_sequence (tuple[int, int]): inclusive range of pedestrians.
        frame_rate (int): written to ``seqinfo.ini``.
        background (str): ``'natural'`` (a crop of a bundled photograph) or ``'clutter'``
            (a synthetic texture with strokes); the tracks do not depend on it.
        seed (int): every sequence is a function of the arguments and this seed.
    """

    def __init__(self, height=108, width=192, seq_length=24, objects_per_sequence=(3, 6),
                 frame_rate=30, background='natural', seed=0):
        if height < 32 or width < 32:
            raise ValueError(f'height and width must be >= 32, got {height}x{width}')
        if seq_length < 2:
            raise ValueError(f'seq_length must be >= 2, got {seq_length}')
        if not 1 <= objects_per_sequence[0] <= objects_per_sequence[1]:
            raise ValueError(f'objects_per_sequence must be (min, max) with 1 <= min <= max, '
                             f'got {objects_per_sequence}')
        self.height, self.width = int(height), int(width)
        self.seq_length = int(seq_length)
        self.objects_per_sequence = tuple(objects_per_sequence)
        self.frame_rate = int(frame_rate)
        self.background = check_background(background)
        self.seed = int(seed)

    @staticmethod
    def sequence_name(split, index):
        """Folder name of sequence ``index`` of ``split`` (numbered across splits)."""
        return f'SYNMOT-{2 * index + 1 + _SPLITS.index(split):02d}'

    def sample_sequence(self, split, index):
        """Render sequence ``index`` of ``split``.

        Returns a dict with ``name``, ``frames`` (list of uint8 RGB [H, W, 3]), ``gt``
        (float [N, 9], rows sorted by id then frame), ``det`` (float [M, 7]: frame, -1,
        x, y, w, h, score) and ``masks`` (per frame, ``{id: visible bool mask [H, W]}``).
        """
        if split not in _SPLITS:
            raise ValueError(f'split must be one of {_SPLITS}, got {split!r}')
        rng = np.random.default_rng([self.seed, _SPLITS.index(split), index])
        tracks = self._sample_tracks(rng)
        background, _ = scene_background(rng, self.height, self.width, self.background)
        frames, gt, det, frame_masks = [], [], [], []
        for frame_index in range(self.seq_length):
            image = background + rng.normal(0, 3, size=background.shape)
            boxes = {track['id']: track['boxes'][frame_index] for track in tracks}
            order = sorted(tracks, key=lambda t: boxes[t['id']][1] + boxes[t['id']][3])
            full_masks = {}
            for track in order:  # far to near
                body, head = _figure(*boxes[track['id']])
                body_mask = rasterize(body, self.height, self.width)
                head_mask = rasterize(head, self.height, self.width) & ~body_mask
                paint(image, body_mask, track['color'], rng)
                paint(image, head_mask, _SKIN, rng)
                full_masks[track['id']] = body_mask | head_mask
            visible, covered = {}, np.zeros((self.height, self.width), dtype=bool)
            for track in reversed(order):  # near to far
                mask = full_masks[track['id']]
                visible[track['id']] = mask & ~covered
                covered |= mask
            for track in tracks:
                x, y, w, h = boxes[track['id']]
                visibility = visible[track['id']].sum() / max(full_masks[track['id']].sum(), 1)
                gt.append([frame_index + 1, track['id'], x, y, w, h, 1, 1, round(visibility, 5)])
            det.extend(self._detect(rng, frame_index + 1, gt[-len(tracks):]))
            frames.append(to_uint8(image))
            frame_masks.append(visible)
        gt = np.array(sorted(gt, key=lambda row: (row[1], row[0])), dtype=np.float64)
        det = np.array(det, dtype=np.float64).reshape(-1, 7)
        return dict(name=self.sequence_name(split, index), frames=frames, gt=gt, det=det,
                    masks=frame_masks)

    def write(self, out_dir, num_train=2, num_test=0):
        """Write ``num_train`` sequences to ``out_dir/train`` and ``num_test`` (without
        gt/) to ``out_dir/test``; returns a summary per split."""
        summary = {}
        for split, num_sequences in (('train', num_train), ('test', num_test)):
            if num_sequences == 0:
                continue
            names = []
            for index in range(num_sequences):
                sequence = self.sample_sequence(split, index)
                seq_dir = osp.join(out_dir, split, sequence['name'])
                os.makedirs(osp.join(seq_dir, 'img1'), exist_ok=True)
                os.makedirs(osp.join(seq_dir, 'det'), exist_ok=True)
                write_seqinfo(osp.join(seq_dir, 'seqinfo.ini'), sequence['name'], 'img1',
                              self.frame_rate, self.seq_length, self.width, self.height)
                for frame_index, frame in enumerate(sequence['frames']):
                    save_jpeg(frame, osp.join(seq_dir, 'img1', f'{frame_index + 1:06d}.jpg'))
                if split == 'train':
                    os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
                    write_mot_gt(osp.join(seq_dir, 'gt', 'gt.txt'), sequence['gt'])
                write_mot_det(osp.join(seq_dir, 'det', 'det.txt'), sequence['det'])
                names.append(sequence['name'])
            summary[split] = dict(dir=osp.join(out_dir, split), sequences=names,
                                  frames=self.seq_length * num_sequences)
        return summary

    def _sample_tracks(self, rng):
        """Per pedestrian: id, colour and integer boxes [seq_length, 4] (x, y, w, h)."""
        num_objects = int(rng.integers(self.objects_per_sequence[0],
                                       self.objects_per_sequence[1] + 1))
        tracks = []
        for track_id in range(1, num_objects + 1):
            h = rng.uniform(0.3, 0.55) * self.height
            w = h * rng.uniform(0.35, 0.45)
            position = np.array([rng.uniform(0, self.width - w), rng.uniform(0, self.height - h)])
            velocity = np.array([rng.choice([-1, 1]) * rng.uniform(0.8, 2.5),
                                 rng.normal(0, 0.4)])
            limits = np.array([self.width - w, self.height - h])
            boxes = []
            for _ in range(self.seq_length):
                boxes.append((int(round(position[0])), int(round(position[1])),
                              int(round(w)), int(round(h))))
                position = position + velocity
                for axis in range(2):  # bounce off the border
                    if position[axis] < 0 or position[axis] > limits[axis]:
                        velocity[axis] = -velocity[axis]
                        position[axis] = np.clip(position[axis], 0, limits[axis])
            color = colorsys.hsv_to_rgb(rng.uniform(0, 1), rng.uniform(0.5, 0.9),
                                        rng.uniform(0.5, 0.95))
            tracks.append(dict(id=track_id, boxes=boxes, color=tuple(255 * c for c in color)))
        return tracks

    def _detect(self, rng, frame, gt_rows):
        """Noisy detections of one frame's gt rows plus Poisson false positives."""
        det = []
        for _, _, x, y, w, h, _, _, visibility in gt_rows:
            if visibility < 0.25 or rng.random() > 0.6 + 0.35 * visibility:
                continue
            jitter = rng.normal(0, 0.04, size=2) * (w, h)
            scale = np.exp(rng.normal(0, 0.05, size=2))
            score = float(np.clip(0.4 + 0.5 * visibility + rng.normal(0, 0.1), 0.05, 1.0))
            det.append([frame, -1, x + jitter[0], y + jitter[1], w * scale[0], h * scale[1],
                        score])
        for _ in range(rng.poisson(0.2)):
            h = rng.uniform(0.2, 0.5) * self.height
            w = h * rng.uniform(0.3, 0.6)
            det.append([frame, -1, rng.uniform(0, self.width - w), rng.uniform(0, self.height - h),
                        w, h, rng.uniform(0.05, 0.45)])
        return det


def _figure(x, y, w, h):
    """Body ellipse and head disc of a pedestrian whose box is (x, y, w, h)."""
    body = scale_geometry(Point(x + w / 2, y + 0.6 * h).buffer(1.0, quad_segs=12),
                          xfact=w / 2, yfact=0.4 * h)
    head = Point(x + w / 2, y + 0.13 * h).buffer(0.13 * h, quad_segs=8)
    return body.intersection(box(x, y, x + w, y + h)), head
