# Mask R-CNN + FPN on Spike-driven Transformer V3 (E-SpikeFormer) l (T=1; its four stages
# give strides 4 / 8 / 16 / 32; T=1 with integer spikes up to 4, as in the reference
# models), COCO 2017, 1x AdamW schedule.
_base_ = [
    '../_base_/models/mask-rcnn_fpn.py',
    '../_base_/backbones/sdtv3-l.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/det_1x_adamw.py',
    '../_base_/default_runtime_det.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
