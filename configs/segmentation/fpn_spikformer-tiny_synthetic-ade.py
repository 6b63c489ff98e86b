# Narrow Semantic FPN on a 'tiny' Spikformer (T=2; a simple feature pyramid on the
# stride-16 blocks gives strides 4-32), synthetic ADE20K shapes at 128x128, short from-
# scratch schedule.
_base_ = [
    '../_base_/models/fpn_seg_tiny.py',
    '../_base_/datasets/synthetic_ade20k.py',
    '../_base_/schedules/seg_synthetic_iters.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='tpmm.Spikformer',
        arch='tiny',
        T=2,
        out_type='featmap',
        out_indices=(0, 1, 2, 3),
        time_reduce='mean',
        pruning=dict(type='NoPrune')),
    neck=dict(in_channels=[64, 64, 64, 64]),
)
