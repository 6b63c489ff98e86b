# E-SpikeFormer (SDT-V3) + linear head on cluttered digits (a few CPU minutes):
# stock mmpretrain ImageClassifier / LinearClsHead.
# Backbone: the 'tiny' preset's widths with depths (1, 1, 4, 2): with the preset's
# few blocks the unpruned stem holds most FLOPs and no keep ratio could cut 30 %.
# last_stage_stride=1 as in the reference classifier: both transformer stages run
# on the stride-16 grid.
_base_ = ['./_base_/cluttered_digits.py', './_base_/schedule.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='tpmm.SDTV3',
        arch=dict(embed_dims=(16, 32, 64, 64), depths=(1, 1, 4, 2), num_heads=2, mlp_ratio=4),
        last_stage_stride=1,
        T=2,
        out_type='pooled',
        pruning=None),
    neck=None,
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))

# SDT-V2 / V3 train 10 epochs (the other three 6)
max_epochs = 10
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, T_max=max_epochs,
         eta_min=5e-5, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
