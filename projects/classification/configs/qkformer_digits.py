# QKFormer + linear head on cluttered digits (a few CPU minutes):
# stock mmpretrain ImageClassifier / LinearClsHead.
# Backbone: the 'tiny' preset's widths with depths (1, 1, 4): with the preset's
# few blocks the unpruned stem holds most FLOPs and no keep ratio could cut 30 %.
_base_ = ['./_base_/cluttered_digits.py', './_base_/schedule.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='tpmm.QKFormer',
        arch=dict(embed_dims=64, depths=(1, 1, 4), num_heads=(2, 2, 2), mlp_ratio=4.0),
        T=2,
        out_type='pooled',
        pruning=None),
    neck=None,
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
