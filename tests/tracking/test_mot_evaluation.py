"""The MOT evaluation path: generated MOTChallenge files through trackeval's own loader,
and mmdet's ByteTracker + MOTChallengeMetric fed ground-truth boxes by an oracle."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
import trackeval
from mmdet.registry import MODELS
from mmdet.structures.bbox import get_box_tensor
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.runner import Runner
from mmengine.structures import InstanceData

from tpmm.datasets import check_data_config, convert_mot_to_coco_video, read_mot_gt

CONFIG = 'configs/tracking/bytetrack_retinanet_sdtv1-tiny_fpn_1xb4-300iter_synthetic-mot.py'


@MODELS.register_module(force=True)
class OracleTestDetector(BaseModule):
    """Test-only detector: each frame's ground-truth boxes with score 1.

    The tracking test pipelines load the annotations after ``Resize`` (as mmdet's MOT
    configs do), so ``gt_instances`` are in the original image's coordinates: what a
    detector's ``predict(rescale=True)`` returns.
    """

    def __init__(self):
        super().__init__()
        self.scale_factors = []

    def predict(self, inputs, data_samples, rescale=True):
        for sample in data_samples:
            self.scale_factors.append(tuple(sample.metainfo['scale_factor']))
            gt = sample.gt_instances
            sample.pred_instances = InstanceData(
                bboxes=get_box_tensor(gt.bboxes).float(), scores=torch.ones(len(gt)),
                labels=gt.labels)
        return data_samples


def trackeval_config(gt_folder, trackers_folder, seqmap):
    """trackeval's MotChallenge2DBox reading a MOTChallenge split folder as it is
    (``<split>/<seq>/gt/gt.txt``, ``seqinfo.ini`` for the sequence lengths)."""
    return dict(GT_FOLDER=str(gt_folder), TRACKERS_FOLDER=str(trackers_folder),
                TRACKERS_TO_EVAL=['copy'], BENCHMARK='MOT17', SPLIT_TO_EVAL='train',
                SKIP_SPLIT_FOL=True, SEQMAP_FILE=str(seqmap), TRACKER_SUB_FOLDER='',
                PRINT_CONFIG=False)


def test_generated_files_load_with_trackeval(mot_data, tmp_path):
    split = mot_data.root / 'train'
    trackers = tmp_path / 'trackers' / 'copy'
    os.makedirs(trackers)
    seqmap = tmp_path / 'seqmap.txt'
    seqmap.write_text('name\n' + '\n'.join(mot_data.sequences) + '\n')
    for seq in mot_data.sequences:
        gt = read_mot_gt(str(split / seq / 'gt' / 'gt.txt'))
        # the ground truth as a tracker result: frame, id, x, y, w, h, score, -1, -1, -1
        rows = np.concatenate([gt[:, :6], np.ones((len(gt), 1)), -np.ones((len(gt), 3))], 1)
        np.savetxt(trackers / f'{seq}.txt', rows, fmt='%g', delimiter=',')
    dataset = trackeval.datasets.MotChallenge2DBox(
        trackeval_config(split, tmp_path / 'trackers', seqmap))
    assert dataset.seq_list == mot_data.sequences
    assert dataset.seq_lengths == {seq: mot_data.seq_length for seq in mot_data.sequences}
    for seq in mot_data.sequences:
        raw = dataset.get_raw_seq_data('copy', seq)
        gt = read_mot_gt(str(split / seq / 'gt' / 'gt.txt'))
        for t in range(mot_data.seq_length):
            rows = gt[gt[:, 0] == t + 1]
            order = np.argsort(raw['gt_ids'][t])
            np.testing.assert_array_equal(raw['gt_ids'][t][order], np.sort(rows[:, 1]))
            np.testing.assert_allclose(raw['gt_dets'][t][order],
                                       rows[np.argsort(rows[:, 1]), 2:6])
            # trackeval's 'zero_marked' is the conf column: 1 = evaluated
            np.testing.assert_array_equal(raw['gt_extras'][t]['zero_marked'], 1)
    evaluator = trackeval.Evaluator(dict(trackeval.Evaluator.get_default_eval_config(),
                                         PRINT_RESULTS=False, PRINT_CONFIG=False,
                                         OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False,
                                         PLOT_CURVES=False, TIME_PROGRESS=False))
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(dict(PRINT_CONFIG=False)),
               trackeval.metrics.Identity(dict(PRINT_CONFIG=False))]
    results, _ = evaluator.evaluate([dataset], metrics)
    combined = results['MotChallenge2DBox']['copy']['COMBINED_SEQ']['pedestrian']
    assert combined['CLEAR']['MOTA'] == 1.0 and combined['Identity']['IDF1'] == 1.0
    np.testing.assert_allclose(combined['HOTA']['HOTA'], 1.0)


def oracle_tracking_cfg(mot_data, work_dir, ann_file='annotations/train_cocoformat.json'):
    """The synthetic tracking config with the detector replaced by the oracle."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.detector = dict(type='OracleTestDetector')
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.update(data_root=str(mot_data.root) + '/', ann_file=ann_file)
    cfg.work_dir = str(work_dir)
    return cfg


def test_tracker_fed_ground_truth_scores_close_to_one(mot_data, tmp_path):
    cfg = oracle_tracking_cfg(mot_data, tmp_path)
    check_data_config(cfg, splits=('test', ))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    # the 128x72 frames are resized to 192x108: boxes must come back to frame coordinates
    assert set(runner.model.detector.scale_factors) == {(1.5, 1.5)}
    scores = {key.split('/')[-1]: value for key, value in metrics.items()}
    num_boxes = sum(len(read_mot_gt(str(mot_data.root / 'train' / seq / 'gt' / 'gt.txt')))
                    for seq in mot_data.sequences)
    assert scores['TP'] + scores['FN'] == num_boxes  # every gt box of every frame scored
    assert scores['MOTA'] >= 0.95
    assert scores['IDF1'] >= 0.95
    assert scores['HOTA'] >= 0.9


def test_tracker_fed_shifted_boxes_scores_lower(mot_data, tmp_path, monkeypatch):
    # the same wiring with boxes moved by half their width: the metric must notice
    original = OracleTestDetector.predict

    def shifted(self, inputs, data_samples, rescale=True):
        for sample in original(self, inputs, data_samples, rescale):
            boxes = sample.pred_instances.bboxes
            width = boxes[:, 2] - boxes[:, 0]
            sample.pred_instances.bboxes = boxes + torch.stack(
                [width, torch.zeros_like(width)] * 2, 1) * 0.6
        return data_samples

    monkeypatch.setattr(OracleTestDetector, 'predict', shifted)
    metrics = Runner.from_cfg(oracle_tracking_cfg(mot_data, tmp_path)).test()
    scores = {key.split('/')[-1]: value for key, value in metrics.items()}
    assert scores['MOTA'] < 0.5 and scores['HOTA'] < 0.7


def test_bad_sequence_folders_are_named(mot_data, tmp_path):
    broken = tmp_path / 'synthetic_mot'
    shutil.copytree(mot_data.root, broken)
    seq = broken / 'train' / mot_data.sequences[0]
    cfg = oracle_tracking_cfg(mot_data, tmp_path)
    cfg.test_dataloader.dataset.data_root = str(tmp_path / 'missing') + '/'
    with pytest.raises(FileNotFoundError, match='test_dataloader.dataset.data_root'):
        check_data_config(cfg, splits=('test', ))

    with open(seq / 'gt' / 'gt.txt', 'a') as f:
        f.write('3,1,10,10,5\n')
    with pytest.raises(ValueError, match=r'gt\.txt:\d+: expected 9'):
        convert_mot_to_coco_video(str(broken / 'train'))
    os.remove(seq / 'seqinfo.ini')
    with pytest.raises(FileNotFoundError, match=osp.join(seq.name, 'seqinfo.ini')):
        convert_mot_to_coco_video(str(broken / 'train'))
