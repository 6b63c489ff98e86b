# Narrow RetinaNet + FPN on a 'tiny' Spike-driven Transformer V3 (E-SpikeFormer) (T=1; its
# four stages give strides 4 / 8 / 16 / 32; T=1 with integer spikes up to 4, as in the
# reference models), synthetic COCO shapes at 128x128 (5 classes), short from-scratch
# schedule.
_base_ = [
    '../_base_/models/retinanet_fpn_tiny.py',
    '../_base_/backbones/sdtv3-tiny.py',
    '../_base_/datasets/synthetic_coco_detection.py',
    '../_base_/schedules/det_synthetic_iters.py',
    '../_base_/default_runtime_det.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
    bbox_head=dict(num_classes=5),
)
