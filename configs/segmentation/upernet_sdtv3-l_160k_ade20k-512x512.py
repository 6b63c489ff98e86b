# UPerNet on Spike-driven Transformer V3 (E-SpikeFormer) l (T=1; its four stages give
# strides 4 / 8 / 16 / 32; T=1 with integer spikes up to 4, as in the reference models),
# ADE20K 512x512 crops, 160k AdamW schedule.
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/datasets/ade20k.py',
    '../_base_/schedules/seg_160k_adamw.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='tpmm.SDTV3',
        arch='l',
        T=1,
        out_type='featmap',
        out_indices=(0, 1, 2, 3),
        time_reduce='mean',
        pruning=dict(type='NoPrune')),
    decode_head=dict(in_channels=[64, 128, 256, 360], in_index=[0, 1, 2, 3]),
    auxiliary_head=dict(in_channels=256, in_index=2),
)
