# Narrow Semantic FPN on a 'tiny' QKFormer (T=2; its three stages give strides 4 / 8 /
# 16), synthetic ADE20K shapes at 128x128, short from-scratch schedule.
_base_ = [
    '../_base_/models/fpn_seg_tiny.py',
    '../_base_/backbones/qkformer-tiny.py',
    '../_base_/datasets/synthetic_ade20k.py',
    '../_base_/schedules/seg_synthetic_iters.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
