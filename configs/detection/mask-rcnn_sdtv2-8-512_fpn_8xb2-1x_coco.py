# Mask R-CNN + FPN on Spike-driven Transformer V2 (Meta-SpikeFormer) 8-512 (T=4; its four
# stages give strides 4 / 8 / 16 / 32), COCO 2017, 1x AdamW schedule.
_base_ = [
    '../_base_/models/mask-rcnn_fpn.py',
    '../_base_/backbones/sdtv2-8-512.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/det_1x_adamw.py',
    '../_base_/default_runtime_det.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
