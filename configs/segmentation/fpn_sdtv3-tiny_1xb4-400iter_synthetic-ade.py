# Narrow Semantic FPN on a 'tiny' Spike-driven Transformer V3 (E-SpikeFormer) (T=1; its
# four stages give strides 4 / 8 / 16 / 32; T=1 with integer spikes up to 4, as in the
# reference models), synthetic ADE20K shapes at 128x128, short from-scratch schedule.
_base_ = [
    '../_base_/models/fpn_seg_tiny.py',
    '../_base_/backbones/sdtv3-tiny.py',
    '../_base_/datasets/synthetic_ade20k.py',
    '../_base_/schedules/seg_synthetic_iters.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
