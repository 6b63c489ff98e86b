# mmpretrain ImageClassifier for a tpmm spiking backbone on the 10 digit classes: the
# backbone's pooled features ([B, C], the T-mean, T=2) -> LinearClsHead, cross-entropy.
# Each config sets the backbone's type and arch, and head.in_channels if C is not 32.
model = dict(
    type='ImageClassifier',
    backbone=dict(T=2, out_type='pooled', pruning=None),
    neck=None,
    head=dict(type='LinearClsHead', num_classes=10, in_channels=32,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
