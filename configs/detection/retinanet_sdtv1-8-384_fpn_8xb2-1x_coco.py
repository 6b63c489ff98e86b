# RetinaNet + FPN on Spike-driven Transformer V1 8-384 (T=4; a simple feature pyramid on
# the stride-16 blocks gives strides 4-32), COCO 2017, 1x AdamW schedule.
_base_ = [
    '../_base_/models/retinanet_fpn.py',
    '../_base_/backbones/sdtv1-8-384.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/det_1x_adamw.py',
    '../_base_/default_runtime_det.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
