"""Readers and writers for MOTChallenge (MOT16 / MOT17 / MOT20) sequence files.

A sequence folder holds ``seqinfo.ini``, the frames ``<imDir>/000001<imExt>`` ...,
``gt/gt.txt`` (train splits) and ``det/det.txt``:

- gt.txt rows: ``frame, id, x, y, w, h, conf, class, visibility`` (frame from 1; conf 0
  marks a box to ignore; class 1..13, 1 = pedestrian; visibility in [0, 1]).
- det.txt rows: ``frame, -1, x, y, w, h, score, -1, -1, -1``.

Every reader raises a clear error naming the file (and line) that is missing or malformed.
"""
import configparser
import os
import os.path as osp

import numpy as np

SEQINFO_KEYS = ('name', 'imDir', 'frameRate', 'seqLength', 'imWidth', 'imHeight', 'imExt')
_SEQINFO_INT_KEYS = ('frameRate', 'seqLength', 'imWidth', 'imHeight')
GT_COLUMNS = ('frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'class', 'visibility')
NUM_MOT_CLASSES = 13


def read_seqinfo(path):
    """Parse a ``seqinfo.ini``; returns a dict of :data:`SEQINFO_KEYS` (ints where numeric)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'seqinfo.ini not found: {path}')
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # the keys are case-sensitive (imDir, seqLength, ...)
    try:
        parser.read(path)
    except configparser.Error as error:
        raise ValueError(f'{path}: malformed ini file: {error}') from error
    if 'Sequence' not in parser:
        raise ValueError(f'{path}: no [Sequence] section')
    section = parser['Sequence']
    missing = [key for key in SEQINFO_KEYS if key not in section]
    if missing:
        raise ValueError(f'{path}: [Sequence] misses key(s) {missing}')
    info = {key: section[key].strip() for key in SEQINFO_KEYS}
    for key in _SEQINFO_INT_KEYS:
        try:
            info[key] = int(info[key])
        except ValueError:
            raise ValueError(f'{path}: [Sequence] {key}={info[key]!r} is not an integer') from None
        if info[key] <= 0:
            raise ValueError(f'{path}: [Sequence] {key}={info[key]} must be positive')
    return info


def write_seqinfo(path, name, im_dir, frame_rate, seq_length, width, height, im_ext='.jpg'):
    """Write a ``seqinfo.ini`` with the keys in MOTChallenge's order (some tools, e.g.
    mmdet's ``mot2coco.py``, read the lines by position)."""
    values = (name, im_dir, frame_rate, seq_length, width, height, im_ext)
    with open(path, 'w') as f:
        f.write('[Sequence]\n')
        f.writelines(f'{key}={value}\n' for key, value in zip(SEQINFO_KEYS, values))
        f.write('\n')


def read_mot_gt(path):
    """Parse a ``gt/gt.txt``; returns float64 [N, 9] in :data:`GT_COLUMNS` order."""
    rows = _read_rows(path, num_columns=len(GT_COLUMNS), what=','.join(GT_COLUMNS))
    for lineno, row in rows:
        frame, track_id, _, _, w, h, conf, class_id, visibility = row
        problem = None
        if frame < 1 or frame != int(frame):
            problem = f'frame {frame:g} must be an integer >= 1'
        elif track_id != int(track_id):
            problem = f'id {track_id:g} must be an integer'
        elif w <= 0 or h <= 0:
            problem = f'box width/height ({w:g}, {h:g}) must be positive'
        elif conf not in (0, 1):
            problem = f'conf {conf:g} must be 0 (ignore) or 1'
        elif class_id != int(class_id) or not 1 <= class_id <= NUM_MOT_CLASSES:
            problem = f'class {class_id:g} must be an integer in 1..{NUM_MOT_CLASSES}'
        elif not 0 <= visibility <= 1:
            problem = f'visibility {visibility:g} must be in [0, 1]'
        if problem:
            raise ValueError(f'{path}:{lineno}: {problem}')
    return _as_array(rows, len(GT_COLUMNS))


def read_mot_det(path):
    """Parse a ``det/det.txt``; returns float64 [N, 7]: frame, id (-1), x, y, w, h, score.

    Rows may carry 7 or 10 values (the last three, -1 for 2D detections, are dropped).
    """
    rows = _read_rows(path, num_columns=(7, 10), what='frame,id,x,y,w,h,score[,x,y,z]')
    for lineno, row in rows:
        if row[0] < 1 or row[0] != int(row[0]):
            raise ValueError(f'{path}:{lineno}: frame {row[0]:g} must be an integer >= 1')
    return _as_array([(lineno, row[:7]) for lineno, row in rows], 7)


def write_mot_gt(path, rows):
    """Write gt rows (float [N, 9], :data:`GT_COLUMNS` order) in MOT17's text format."""
    with open(path, 'w') as f:
        for frame, track_id, x, y, w, h, conf, class_id, visibility in rows:
            f.write(f'{int(frame)},{int(track_id)},{x:g},{y:g},{w:g},{h:g},{int(conf)},'
                    f'{int(class_id)},{visibility:.5g}\n')


def write_mot_det(path, rows):
    """Write detections (float [N, 7]: frame, -1, x, y, w, h, score) in MOT17's format."""
    with open(path, 'w') as f:
        for frame, _, x, y, w, h, score in rows:
            f.write(f'{int(frame)},-1,{x:.2f},{y:.2f},{w:.2f},{h:.2f},{score:.4f},-1,-1,-1\n')


def list_sequence_frames(seq_dir):
    """Read a sequence folder; returns ``(seqinfo, frame file names sorted)``.

    Raises FileNotFoundError for a missing folder, ``seqinfo.ini`` or image folder and
    ValueError when the number of frames differs from ``seqLength``.
    """
    if not osp.isdir(seq_dir):
        raise FileNotFoundError(f'MOT sequence folder not found: {seq_dir}')
    info = read_seqinfo(osp.join(seq_dir, 'seqinfo.ini'))
    img_dir = osp.join(seq_dir, info['imDir'])
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'image folder not found: {img_dir} (imDir of '
                                f'{osp.join(seq_dir, "seqinfo.ini")})')
    frames = sorted(name for name in os.listdir(img_dir) if name.endswith(info['imExt']))
    if len(frames) != info['seqLength']:
        raise ValueError(f'{img_dir}: {len(frames)} *{info["imExt"]} frames, but seqinfo.ini '
                         f'says seqLength={info["seqLength"]}')
    return info, frames


def _read_rows(path, num_columns, what):
    """Non-empty lines of a comma-separated file as ``(line number, [floats])``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'MOT annotation file not found: {path}')
    allowed = num_columns if isinstance(num_columns, tuple) else (num_columns, )
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            fields = line.split(',')
            if len(fields) not in allowed:
                raise ValueError(f'{path}:{lineno}: expected {" or ".join(map(str, allowed))} '
                                 f'comma-separated values ({what}), got {len(fields)}: {line!r}')
            try:
                rows.append((lineno, [float(field) for field in fields]))
            except ValueError:
                raise ValueError(f'{path}:{lineno}: non-numeric value in {line!r}') from None
    return rows


def _as_array(rows, num_columns):
    return np.array([row for _, row in rows], dtype=np.float64).reshape(-1, num_columns)
