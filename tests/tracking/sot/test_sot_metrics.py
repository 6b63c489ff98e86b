"""OPE success AUC / precision / normalised precision against hand-computed values."""
import numpy as np
import pytest

from tpmm.evaluation import SOTMetric, ope_scores, sequence_scores


def test_sequence_scores_hand_computed():
    gt = np.array([[0, 0, 10, 10]] * 3, dtype=float)
    pred = np.array([[50, 50, 3, 3],      # frame 0 is replaced by the ground truth
                     [5, 0, 10, 10],      # IoU 50 / 150 = 1/3, centre error 5 px, 0.5 norm.
                     [0, 0, 10, 10]], dtype=float)
    scores = sequence_scores(pred, gt)
    # IoU 1 beats thresholds 0..0.95 (20 of 21), IoU 1/3 beats 0..0.30 (7 of 21)
    per_threshold = np.array([3] * 7 + [2] * 13 + [0]) / 3
    np.testing.assert_allclose(scores['success'], per_threshold)
    assert scores['precision'] == 1.0
    assert scores['norm_precision'] == pytest.approx(2 / 3)
    assert scores['mean_iou'] == pytest.approx((1 + 1 / 3 + 1) / 3)


def test_ope_scores_average_sequences_and_count_invalid_frames_as_failures():
    seq1 = (np.array([[0, 0, 1, 1], [5, 0, 10, 10], [0, 0, 10, 10]], float),
            np.array([[0, 0, 10, 10]] * 3, float))
    seq2 = (np.array([[9, 9, 9, 9], [0, 0, 4, 4]], float),
            np.array([[0, 0, 4, 4], [0, 0, 0, 0]], float))   # frame 1: no target
    scores = ope_scores([seq1[0], seq2[0]], [seq1[1], seq2[1]])
    auc1, auc2 = (20 + 7 + 20) / 63, 20 / 42
    assert scores['AUC'] == pytest.approx(100 * (auc1 + auc2) / 2)
    assert scores['Prec'] == pytest.approx(100 * (1 + 0.5) / 2)
    assert scores['NormPrec'] == pytest.approx(100 * (2 / 3 + 0.5) / 2)
    assert scores['OP50'] == pytest.approx(100 * (2 / 3 + 1 / 2) / 2)


def test_metric_groups_frames_and_needs_complete_sequences():
    gt = np.array([[0, 0, 10, 10], [2, 2, 10, 10]], float)
    metric = SOTMetric()
    samples = [dict(seq_name='a', frame_index=i, num_frames=2, pred_box=gt[i], gt_box=gt[i])
               for i in (1, 0)]
    metric.process({}, samples)
    result = metric.compute_metrics(metric.results)
    assert result['AUC'] == pytest.approx(100 * 20 / 21)
    assert result['Prec'] == 100.0
    with pytest.raises(ValueError, match='sequence a'):
        metric.compute_metrics(metric.results[:1])
