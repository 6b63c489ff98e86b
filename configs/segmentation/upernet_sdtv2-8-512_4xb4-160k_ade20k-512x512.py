# UPerNet on Spike-driven Transformer V2 (Meta-SpikeFormer) 8-512 (T=4; its four stages
# give strides 4 / 8 / 16 / 32), ADE20K 512x512 crops, 160k AdamW schedule.
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/backbones/sdtv2-8-512.py',
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
