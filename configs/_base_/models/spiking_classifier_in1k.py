# mmpretrain ImageClassifier for a tpmm spiking backbone on ImageNet-1k: the backbone's
# pooled features ([B, C], the T-mean) -> LinearClsHead with label smoothing 0.1, as the
# official classifiers train. Classification configs set the backbone (type, arch, T)
# and head.in_channels (the backbone's last width), and the batch augments of their recipe.
model = dict(
    type='ImageClassifier',
    backbone=dict(out_type='pooled'),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)))
