# RetinaNet + FPN on Spike-driven Transformer V2 (Meta-SpikeFormer) 8-512 (T=4; its four
# stages give strides 4 / 8 / 16 / 32), COCO 2017, 1x AdamW schedule.
_base_ = [
    '../_base_/models/retinanet_fpn.py',
    '../_base_/datasets/coco_detection.py',
    '../_base_/schedules/det_1x_adamw.py',
    '../_base_/default_runtime_det.py',
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
    neck=dict(in_channels=[128, 256, 512, 640]),
)
