# Semantic FPN on Spike-driven Transformer V3 (E-SpikeFormer) l (T=1; its four stages give
# strides 4 / 8 / 16 / 32; T=1 with integer spikes up to 4, as in the reference models),
# ADE20K 512x512 crops, 80k AdamW schedule.
_base_ = [
    '../_base_/models/fpn_seg.py',
    '../_base_/backbones/sdtv3-l.py',
    '../_base_/datasets/ade20k.py',
    '../_base_/schedules/seg_80k_adamw.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=_base_.backbone,
    neck=dict(in_channels=_base_.backbone_channels),
)
