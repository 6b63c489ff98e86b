"""Convert a MOTChallenge split folder (MOT16 / MOT17 / MOT20 layout) to the CocoVideo
json read by mmdet 3.x's ``MOTChallengeDataset``.

The json follows mmdetection's ``tools/dataset_converters/mot2coco.py``:

- ``videos``: ``id``, ``name``, ``fps``, ``width``, ``height``;
- ``images``: ``id``, ``video_id``, ``file_name`` (``<seq>/<imDir>/<frame file>``, relative
  to the split folder, i.e. the dataset's ``data_prefix.img_path``), ``height``, ``width``,
  ``frame_id`` (0-based within the converted frames of the video), ``mot_frame_id``;
- ``annotations``: ``id``, ``image_id``, ``category_id`` (the MOT class), ``mot_class_id``,
  ``instance_id`` (0-based, unique in the file, in order of first appearance),
  ``mot_instance_id``, ``mot_conf``, ``visibility``, ``bbox`` ([x, y, w, h]), ``area``,
  ``iscrowd`` (0);
- ``categories``: the 13 MOT classes (1 = pedestrian), as the official converter writes
  them, so the distractor classes reach the evaluation; ``num_instances``.

``half='train'`` / ``'val'`` keep the first ``n // 2 + 1`` / the remaining frames of each
sequence, as the official half-train / half-val split.
"""
import os
import os.path as osp
from collections import defaultdict

from .mot_challenge_io import list_sequence_frames, read_mot_gt

MOT_CATEGORIES = [
    dict(id=1, name='pedestrian'), dict(id=2, name='person_on_vehicle'), dict(id=3, name='car'),
    dict(id=4, name='bicycle'), dict(id=5, name='motorbike'), dict(id=6, name='non_mot_vehicle'),
    dict(id=7, name='static_person'), dict(id=8, name='distractor'), dict(id=9, name='occluder'),
    dict(id=10, name='occluder_on_ground'), dict(id=11, name='occluder_full'),
    dict(id=12, name='reflection'), dict(id=13, name='crowd')
]


def convert_mot_to_coco_video(split_dir, half=None, with_gt=True):
    """CocoVideo dict of every sequence folder in ``split_dir`` (e.g. ``data/MOT17/train``).

    Args:
        split_dir (str): folder holding one sub-folder per sequence.
        half (str | None): None for all frames, 'train' or 'val' for a half.
        with_gt (bool): read ``gt/gt.txt`` (False for test splits: no annotations).
    """
    if half not in (None, 'train', 'val'):
        raise ValueError(f"half must be None, 'train' or 'val', got {half!r}")
    if not osp.isdir(split_dir):
        raise FileNotFoundError(f'MOT split folder not found: {split_dir}')
    sequences = sorted(name for name in os.listdir(split_dir)
                       if osp.isdir(osp.join(split_dir, name)))
    if not sequences:
        raise FileNotFoundError(f'no sequence folders in {split_dir}')
    output = dict(videos=[], images=[], annotations=[], categories=MOT_CATEGORIES)
    num_instances = 0
    for video_id, name in enumerate(sequences, start=1):
        seq_dir = osp.join(split_dir, name)
        info, frames = list_sequence_frames(seq_dir)
        if info['name'] != name:
            raise ValueError(f'{osp.join(seq_dir, "seqinfo.ini")}: name={info["name"]} differs '
                             f'from the folder name {name}')
        output['videos'].append(dict(id=video_id, name=name, fps=info['frameRate'],
                                     width=info['imWidth'], height=info['imHeight']))
        if half is not None:
            split_frame = len(frames) // 2 + 1
            frames = frames[:split_frame] if half == 'train' else frames[split_frame:]
        rows_by_frame = defaultdict(list)
        if with_gt:
            gt_file = osp.join(seq_dir, 'gt', 'gt.txt')
            for row in read_mot_gt(gt_file):
                if row[0] > info['seqLength']:
                    raise ValueError(f'{gt_file}: frame {int(row[0])} is beyond seqLength='
                                     f'{info["seqLength"]} of its seqinfo.ini')
                rows_by_frame[int(row[0])].append(row)
        instance_ids = {}
        for frame_id, frame_file in enumerate(frames):
            mot_frame_id = _frame_number(frame_file, seq_dir, info['imDir'])
            image_id = len(output['images']) + 1
            output['images'].append(dict(
                id=image_id, video_id=video_id, file_name=osp.join(name, info['imDir'], frame_file),
                height=info['imHeight'], width=info['imWidth'], frame_id=frame_id,
                mot_frame_id=mot_frame_id))
            for _, track_id, x, y, w, h, conf, class_id, visibility in rows_by_frame[mot_frame_id]:
                if track_id not in instance_ids:
                    instance_ids[track_id] = num_instances
                    num_instances += 1
                output['annotations'].append(dict(
                    id=len(output['annotations']) + 1, image_id=image_id,
                    category_id=int(class_id), mot_class_id=int(class_id),
                    instance_id=instance_ids[track_id], mot_instance_id=int(track_id),
                    mot_conf=float(conf), visibility=float(visibility),
                    bbox=[float(x), float(y), float(w), float(h)], area=float(w * h), iscrowd=0))
    output['num_instances'] = num_instances
    return output


def _frame_number(frame_file, seq_dir, im_dir):
    stem = osp.splitext(frame_file)[0]
    if not stem.isdigit():
        raise ValueError(f'{osp.join(seq_dir, im_dir, frame_file)}: frame files must be named '
                         f'by their frame number (000001.jpg, ...)')
    return int(stem)
