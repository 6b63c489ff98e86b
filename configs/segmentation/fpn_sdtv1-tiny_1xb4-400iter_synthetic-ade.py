# Narrow Semantic FPN on a 'tiny' Spike-driven Transformer V1 (T=2; a simple feature
# pyramid on the stride-16 blocks gives strides 4-32), synthetic ADE20K shapes at 128x128,
# short from-scratch schedule.
_base_ = [
    '../_base_/models/fpn_seg_tiny.py',
    '../_base_/backbones/sdtv1-tiny.py',
    '../_base_/datasets/synthetic_ade20k.py',
    '../_base_/schedules/seg_synthetic_iters.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
