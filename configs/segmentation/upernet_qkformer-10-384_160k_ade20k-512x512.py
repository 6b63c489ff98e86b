# UPerNet on QKFormer 10-384 (T=4; its three stages give strides 4 / 8 / 16), ADE20K
# 512x512 crops, 160k AdamW schedule.
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/datasets/ade20k.py',
    '../_base_/schedules/seg_160k_adamw.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='tpmm.QKFormer',
        arch='10-384',
        T=4,
        out_type='featmap',
        out_indices=(0, 1, 2),
        time_reduce='mean',
        pruning=dict(type='NoPrune')),
    decode_head=dict(in_channels=[96, 192, 384], in_index=[0, 1, 2]),
    auxiliary_head=dict(in_channels=384, in_index=2),
)
