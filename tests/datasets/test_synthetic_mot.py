"""The synthetic MOT17-style sequences, the MOTChallenge readers and the CocoVideo
conversion (checked against mmdet's own converter and MOTChallengeDataset)."""
import json
import os
import os.path as osp
import runpy
import shutil
import sys

import numpy as np
import pytest

from tpmm.datasets.mot_challenge_io import (list_sequence_frames, read_mot_det, read_mot_gt,
                                            read_seqinfo)
from tpmm.datasets.mot_to_coco_video import convert_mot_to_coco_video


def box_iou(a, b):
    """IoU of [x, y, w, h] boxes a [N, 4] and b [M, 4] -> [N, M]."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum((a[:, 0] + a[:, 2])[:, None], (b[:, 0] + b[:, 2])[None])
    y1 = np.minimum((a[:, 1] + a[:, 3])[:, None], (b[:, 1] + b[:, 3])[None])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None] - inter
    return inter / union


def sequence_dirs(synthetic, split='train'):
    root = synthetic.mot_root / split
    return [root / name for name in sorted(os.listdir(root))]


def test_layout_and_seqinfo(synthetic):
    train = sequence_dirs(synthetic, 'train')
    test = sequence_dirs(synthetic, 'test')
    assert len(train) == synthetic.mot_counts['num_train'] and len(test) == 1
    for seq_dir in train + test:
        info = read_seqinfo(seq_dir / 'seqinfo.ini')
        assert info == dict(name=seq_dir.name, imDir='img1', frameRate=30, seqLength=10,
                            imWidth=128, imHeight=72, imExt='.jpg')
        _, frames = list_sequence_frames(str(seq_dir))
        assert frames == [f'{i:06d}.jpg' for i in range(1, 11)]
        assert osp.isfile(seq_dir / 'det' / 'det.txt')
        assert osp.isfile(seq_dir / 'gt' / 'gt.txt') == (seq_dir in train)
    # seqinfo.ini lines in MOTChallenge's order (mmdet's mot2coco.py reads them by position)
    with open(train[0] / 'seqinfo.ini') as f:
        lines = f.read().splitlines()
    assert [line.split('=')[0] for line in lines[:8]] == [
        '[Sequence]', 'name', 'imDir', 'frameRate', 'seqLength', 'imWidth', 'imHeight', 'imExt']


def test_gt_parses_like_numpy_and_mmdet(synthetic):
    import mmdet
    official = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'dataset_converters',
                        'mot2coco.py')
    parse_gts = runpy.run_path(official)['parse_gts'] if osp.isfile(official) else None
    for seq_dir in sequence_dirs(synthetic):
        gt = read_mot_gt(str(seq_dir / 'gt' / 'gt.txt'))
        np.testing.assert_allclose(gt, np.loadtxt(seq_dir / 'gt' / 'gt.txt', delimiter=','))
        assert gt.shape[1] == 9 and (gt[:, 6] == 1).all() and (gt[:, 7] == 1).all()
        assert set(gt[:, 0].astype(int)) == set(range(1, 11))
        if parse_gts is not None:
            with open(seq_dir / 'gt' / 'gt.txt') as f:
                by_frame = parse_gts(f.read().splitlines(), False)
            for frame, anns in by_frame.items():
                rows = gt[gt[:, 0] == frame]
                np.testing.assert_allclose([a['bbox'] for a in anns], rows[:, 2:6])
                np.testing.assert_allclose([a['visibility'] for a in anns], rows[:, 8])


def test_visibility_follows_the_overlaps(synthetic):
    occluded = 0
    for seq_dir in sequence_dirs(synthetic):
        gt = read_mot_gt(str(seq_dir / 'gt' / 'gt.txt'))
        for frame in range(1, 11):
            rows = gt[gt[:, 0] == frame]
            iou = box_iou(rows[:, 2:6], rows[:, 2:6])
            np.fill_diagonal(iou, 0)
            overlapped = iou.max(axis=1) > 0
            assert (rows[~overlapped, 8] == 1).all()  # nobody in front: fully visible
            assert overlapped[rows[:, 8] < 1].all()  # hidden only behind another figure
            occluded += int((rows[:, 8] < 1).sum())
    assert occluded > 0


def test_visibility_is_the_visible_pixel_fraction(synthetic):
    sequence = synthetic.mot.sample_sequence('train', 0)
    for frame_index, visible in enumerate(sequence['masks']):
        rows = sequence['gt'][sequence['gt'][:, 0] == frame_index + 1]
        for _, track_id, x, y, w, h, _, _, visibility in rows:
            mask = visible[int(track_id)]
            rows_in, cols_in = np.nonzero(mask)
            if visibility > 0:  # visible pixels lie inside the figure's box
                assert rows_in.min() >= y and rows_in.max() < y + h
                assert cols_in.min() >= x and cols_in.max() < x + w
            else:
                assert not mask.any()


def test_detections_are_near_the_ground_truth(synthetic):
    matched = total = 0
    for seq_dir in sequence_dirs(synthetic):
        det = read_mot_det(str(seq_dir / 'det' / 'det.txt'))
        assert np.loadtxt(seq_dir / 'det' / 'det.txt', delimiter=',').shape == (len(det), 10)
        assert (det[:, 1] == -1).all() and ((det[:, 6] > 0) & (det[:, 6] <= 1)).all()
        gt = read_mot_gt(str(seq_dir / 'gt' / 'gt.txt'))
        for frame in np.unique(det[:, 0]):
            iou = box_iou(det[det[:, 0] == frame, 2:6], gt[gt[:, 0] == frame, 2:6])
            matched += int((iou.max(axis=1) > 0.5).sum())
            total += iou.shape[0]
    assert total > 0 and matched / total > 0.7


def test_conversion_matches_mmdet_mot2coco(synthetic, tmp_path):
    import mmdet
    official = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'dataset_converters',
                        'mot2coco.py')
    if not osp.isfile(official):
        pytest.skip('mmdet was installed without its .mim tools')
    mot_root = tmp_path / 'MOT'
    shutil.copytree(synthetic.mot_root, mot_root)  # the official tool writes into gt/
    argv = sys.argv
    sys.argv = ['mot2coco.py', '-i', str(mot_root), '-o', str(tmp_path / 'official'),
                '--split-train']
    try:
        runpy.run_path(official, run_name='__main__')
    finally:
        sys.argv = argv
    for subset, half in (('train', None), ('half-train', 'train'), ('half-val', 'val')):
        ours = convert_mot_to_coco_video(str(mot_root / 'train'), half=half)
        with open(tmp_path / 'official' / f'{subset}_cocoformat.json') as f:
            theirs = json.load(f)
        assert ours['num_instances'] == theirs['num_instances']
        assert ours['categories'] == theirs['categories']
        image_keys = ('file_name', 'height', 'width', 'frame_id', 'mot_frame_id')
        assert sorted(tuple(i[k] for k in image_keys) for i in ours['images']) \
            == sorted(tuple(i[k] for k in image_keys) for i in theirs['images'])

        def by_box(content):
            files = {image['id']: image['file_name'] for image in content['images']}
            return {(files[a['image_id']], a['mot_instance_id']): a
                    for a in content['annotations']}

        ours_anns, theirs_anns = by_box(ours), by_box(theirs)
        assert ours_anns.keys() == theirs_anns.keys()
        tracks = {}
        for key, ann in ours_anns.items():
            other = theirs_anns[key]
            for name in ('bbox', 'area', 'visibility', 'mot_conf', 'category_id'):
                assert ann[name] == pytest.approx(other[name]), (key, name)
            tracks.setdefault(ann['instance_id'], set()).add(other['instance_id'])
        assert all(len(ids) == 1 for ids in tracks.values())  # the same track partition


def test_conversion_layout(synthetic):
    half_val = convert_mot_to_coco_video(str(synthetic.mot_root / 'train'), half='val')
    half_train = convert_mot_to_coco_video(str(synthetic.mot_root / 'train'), half='train')
    num_videos = synthetic.mot_counts['num_train']
    assert len(half_train['images']) == num_videos * (10 // 2 + 1)
    assert len(half_val['images']) == num_videos * (10 - 10 // 2 - 1)
    for image in half_val['images']:
        assert image['mot_frame_id'] == image['frame_id'] + 10 // 2 + 2
        assert osp.isfile(synthetic.mot_root / 'train' / image['file_name'])
    ids = sorted({a['instance_id'] for a in half_val['annotations']})
    assert ids == list(range(half_val['num_instances']))
    assert [c['name'] for c in half_val['categories']][0] == 'pedestrian'
    test = convert_mot_to_coco_video(str(synthetic.mot_root / 'test'), with_gt=False)
    assert len(test['images']) == 10 and test['annotations'] == []


def test_mmdet_mot_challenge_dataset_reads_the_json(synthetic):
    from mmdet.datasets import MOTChallengeDataset
    dataset = MOTChallengeDataset(
        data_root=str(synthetic.mot_root), ann_file='annotations/half-train_cocoformat.json',
        data_prefix=dict(img_path='train'), metainfo=dict(classes=('pedestrian', )),
        pipeline=[])
    assert len(dataset) == synthetic.mot_counts['num_train']
    for video_index, seq_dir in enumerate(sequence_dirs(synthetic)):
        gt = read_mot_gt(str(seq_dir / 'gt' / 'gt.txt'))
        video = dataset.get_data_info(video_index)
        assert video['video_length'] == 6
        for frame in video['images']:
            assert osp.isfile(frame['img_path'])
            rows = gt[gt[:, 0] == frame['mot_frame_id']]
            boxes = [inst['bbox'] for inst in frame['instances']]  # x1, y1, x2, y2
            np.testing.assert_allclose(
                boxes, np.c_[rows[:, 2:4], rows[:, 2:4] + rows[:, 4:6]])


def test_reader_errors_name_the_file_and_line(tmp_path):
    gt = tmp_path / 'gt.txt'
    gt.write_text('1,1,10,10,5,9,1,1,1\n2,1,11,10,5,9,1,1\n')
    with pytest.raises(ValueError, match=rf'{gt}:2: expected 9 .* got 8'):
        read_mot_gt(str(gt))
    gt.write_text('1,1,10,10,5,9,1,1,1\n\n2,1,x,10,5,9,1,1,1\n')
    with pytest.raises(ValueError, match=rf'{gt}:3: non-numeric'):
        read_mot_gt(str(gt))
    gt.write_text('0,1,10,10,5,9,1,1,1\n')
    with pytest.raises(ValueError, match=rf'{gt}:1: frame 0'):
        read_mot_gt(str(gt))
    gt.write_text('1,1,10,10,5,9,1,1,1.5\n')
    with pytest.raises(ValueError, match=rf'{gt}:1: visibility 1.5'):
        read_mot_gt(str(gt))
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        read_mot_gt(str(tmp_path / 'missing.txt'))

    ini = tmp_path / 'seqinfo.ini'
    ini.write_text('[Sequence]\nname=A\nimDir=img1\nframeRate=30\nseqLength=3\nimWidth=64\n')
    with pytest.raises(ValueError, match=rf"{ini}: \[Sequence\] misses key\(s\) \['imHeight', "
                                         r"'imExt'\]"):
        read_seqinfo(str(ini))
    ini.write_text('[Sequence]\nname=A\nimDir=img1\nframeRate=30\nseqLength=three\n'
                   'imWidth=64\nimHeight=32\nimExt=.jpg\n')
    with pytest.raises(ValueError, match="seqLength='three' is not an integer"):
        read_seqinfo(str(ini))
    ini.write_text('name=A\n')
    with pytest.raises(ValueError, match=str(ini)):
        read_seqinfo(str(ini))


def test_missing_sequence_parts_are_named(synthetic, tmp_path):
    root = tmp_path / 'train'
    shutil.copytree(synthetic.mot_root / 'train', root)
    seq_dirs = sorted(os.listdir(root))
    with pytest.raises(FileNotFoundError, match='MOT sequence folder not found: .*NOPE'):
        list_sequence_frames(str(root / 'NOPE'))
    with pytest.raises(FileNotFoundError, match='MOT split folder not found'):
        convert_mot_to_coco_video(str(tmp_path / 'val'))
    os.remove(root / seq_dirs[0] / 'img1' / '000004.jpg')
    with pytest.raises(ValueError, match='9 \\*.jpg frames, but seqinfo.ini says seqLength=10'):
        convert_mot_to_coco_video(str(root))
    shutil.rmtree(root / seq_dirs[0] / 'img1')
    with pytest.raises(FileNotFoundError, match=f'image folder not found: .*{seq_dirs[0]}/img1'):
        convert_mot_to_coco_video(str(root))
    shutil.rmtree(root / seq_dirs[0])
    os.remove(root / seq_dirs[1] / 'gt' / 'gt.txt')
    with pytest.raises(FileNotFoundError, match=f'{seq_dirs[1]}/gt/gt.txt'):
        convert_mot_to_coco_video(str(root))
