# Learnability probe (not spiking, not pruned): mmpretrain's ResNet-18 at a quarter width
# (16 base channels) trained from scratch on the natural-clutter digits. If a plain CNN
# cannot learn a data setting within a few epochs, the spiking backbones (which learn
# more slowly) will not reach the study's >= 90 % either; see ../README.md.
_base_ = ['./_base_/natural_clutter.py', '../../classification/configs/_base_/schedule.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, stem_channels=16, base_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
optim_wrapper = dict(optimizer=dict(lr=2e-3))
