# Spike-driven Transformer V1 (C=32, 6 blocks, T=2) on natural-clutter digits at 112 px:
# the pruned blocks see the paper's 14x14 token grid. Stock mmpretrain ImageClassifier.
_base_ = ['./_base_/natural_clutter.py', './_base_/spiking_classifier.py',
          '../../classification/configs/_base_/schedule.py']
model = dict(backbone=dict(type='tpmm.SDTV1',
                           arch=dict(embed_dims=32, depth=6, num_heads=2, mlp_ratio=4.0)))
