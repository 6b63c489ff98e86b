"""mmcv 2.1.0 was built with ops: check a few on CPU against hand-computed results."""
import torch
from mmcv.ops import batched_nms, nms, roi_align


def test_nms_suppresses_overlapping_box():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    # box 1 overlaps box 0 with IoU 81/119 = 0.68 > 0.5: suppressed; box 2 is disjoint
    assert keep.tolist() == [0, 2]
    assert torch.allclose(dets[:, 4], torch.tensor([0.9, 0.7]))
    _, keep_loose = nms(boxes, scores, iou_threshold=0.7)
    assert keep_loose.tolist() == [0, 1, 2]


def test_batched_nms_keeps_overlaps_of_different_classes():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [1., 1., 11., 11.]])
    scores = torch.tensor([0.9, 0.8, 0.6])
    labels = torch.tensor([0, 1, 0])
    dets, keep = batched_nms(boxes, scores, labels, dict(type='nms', iou_threshold=0.5))
    assert sorted(keep.tolist()) == [0, 1]  # box 2 loses to box 0 (same class)
    assert dets.shape == (2, 5)


def test_roi_align_averages_a_linear_ramp():
    # feature value = column index, so a bilinear sample at column coordinate x gives x
    feat = torch.arange(8.).repeat(8, 1)[None, None]  # [1, 1, 8, 8], value = column index
    rois = torch.tensor([[0., 2., 2., 6., 6.]])  # batch 0, box x1=2..x2=6
    # roi_align is an autograd Function: arguments are positional
    # (output_size, spatial_scale, sampling_ratio, pool_mode, aligned)
    out = roi_align(feat, rois, (2, 2), 1.0, 1, 'avg', True)
    # aligned=True shifts by -0.5: bins span x in [1.5, 3.5] and [3.5, 5.5]; centres 2.5, 4.5
    expected = torch.tensor([[[[2.5, 4.5], [2.5, 4.5]]]])
    assert torch.allclose(out, expected, atol=1e-5)
