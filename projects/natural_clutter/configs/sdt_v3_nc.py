# Spike-driven Transformer V3 (C=(8, 16, 32, 32), depths (1, 1, 4, 2), both transformer
# stages at token stride 8, T=2) on natural-clutter digits at 112 px: they see the
# paper's 14x14 token grid. Stock mmpretrain ImageClassifier.
_base_ = ['./_base_/natural_clutter.py', './_base_/spiking_classifier.py',
          '../../classification/configs/_base_/schedule.py']
model = dict(backbone=dict(
    type='tpmm.SDTV3',
    arch=dict(embed_dims=(8, 16, 32, 32), depths=(1, 1, 4, 2), num_heads=2, mlp_ratio=4),
    last_stage_stride=1))
