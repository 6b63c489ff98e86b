# Narrow UPerNet on a 'toy' Spike-driven Transformer V3 (E-SpikeFormer) (T=1; its four
# stages give strides 4 / 8 / 16 / 32; T=1 with integer spikes up to 4, as in the
# reference models), synthetic ADE20K shapes at 128x128, short from-scratch schedule.
_base_ = [
    '../_base_/models/upernet_tiny.py',
    '../_base_/datasets/synthetic_ade20k.py',
    '../_base_/schedules/seg_synthetic_iters.py',
    '../_base_/default_runtime_seg.py',
]

model = dict(
    backbone=dict(
        _delete_=True,
        type='tpmm.SDTV3',
        arch='toy',
        T=1,
        out_type='featmap',
        out_indices=(0, 1, 2, 3),
        time_reduce='mean',
        pruning=dict(type='NoPrune')),
    decode_head=dict(in_channels=[16, 32, 64, 64], in_index=[0, 1, 2, 3]),
    auxiliary_head=dict(in_channels=64, in_index=2),
)
