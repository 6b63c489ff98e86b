# QKFormer (C=32, depths (1, 1, 4), T=2) on natural-clutter digits at 112 px: the last
# stage's blocks see the paper's 14x14 token grid. Stock mmpretrain ImageClassifier.
_base_ = ['./_base_/natural_clutter.py', './_base_/spiking_classifier.py',
          '../../classification/configs/_base_/schedule.py']
model = dict(backbone=dict(
    type='tpmm.QKFormer',
    arch=dict(embed_dims=32, depths=(1, 1, 4), num_heads=(2, 2, 2), mlp_ratio=4.0)))
