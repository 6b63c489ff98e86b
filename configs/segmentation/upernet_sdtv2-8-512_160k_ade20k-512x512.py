# UPerNet on Spike-driven Transformer V2 (Meta-SpikeFormer) 8-512 (T=4; its four stages
# give strides 4 / 8 / 16 / 32), ADE20K 512x512 crops, 160k AdamW schedule.
_base_ = [
    '../_base_/models/upernet.py',
    '../_base_/datasets/ade20k.py',
    '../_base_/schedules/seg_160k_adamw.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='tpmm.SDTV2',
        arch='8-512',
        T=4,
        out_type='featmap',
        out_indices=(0, 1, 2, 3),
        time_reduce='mean',
        pruning=dict(type='NoPrune')),
    decode_head=dict(in_channels=[128, 256, 512, 640], in_index=[0, 1, 2, 3]),
    auxiliary_head=dict(in_channels=512, in_index=2),
)
