# UPerNet on Spikformer 8-384 (T=4; a simple feature pyramid on the stride-16 blocks gives
# strides 4-32), ADE20K 512x512 crops, 160k AdamW schedule.
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/backbones/spikformer-8-384.py',
    '../_base_/datasets/ade20k.py',
    '../_base_/schedules/seg_160k_adamw.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=_base_.backbone,
    decode_head=dict(
        in_channels=_base_.backbone_channels,
        in_index=list(_base_.backbone.out_indices)),
    auxiliary_head=dict(in_channels=_base_.backbone_channels[2]),
)
