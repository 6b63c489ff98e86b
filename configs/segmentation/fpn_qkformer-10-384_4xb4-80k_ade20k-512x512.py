# Semantic FPN on QKFormer 10-384 (T=4; its three stages give strides 4 / 8 / 16), ADE20K
# 512x512 crops, 80k AdamW schedule.
_base_ = [
    '../_base_/models/fpn_seg.py',
    '../_base_/backbones/qkformer-10-384.py',
    '../_base_/datasets/ade20k.py',
    '../_base_/schedules/seg_80k_adamw.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
