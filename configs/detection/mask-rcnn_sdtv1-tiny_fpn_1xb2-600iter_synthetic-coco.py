# Narrow Mask R-CNN + FPN on a 'tiny' Spike-driven Transformer V1 (T=2; a simple feature
# pyramid on the stride-16 blocks gives strides 4-32), synthetic COCO shapes at 128x128 (5
# classes), short from-scratch schedule.
_base_ = [
    '../_base_/models/mask-rcnn_fpn_tiny.py',
    '../_base_/backbones/sdtv1-tiny.py',
    '../_base_/datasets/synthetic_coco_instance.py',
    '../_base_/schedules/det_synthetic_iters.py',
    '../_base_/default_runtime_det.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
    roi_head=dict(bbox_head=dict(num_classes=5), mask_head=dict(num_classes=5)),
)
