# RetinaNet + FPN on QKFormer 10-384 (T=4; its three stages give strides 4 / 8 / 16), COCO
# 2017, 1x AdamW schedule.
_base_ = [
    '../_base_/models/retinanet_fpn.py',
    '../_base_/backbones/qkformer-10-384.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/det_1x_adamw.py',
    '../_base_/default_runtime_det.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
