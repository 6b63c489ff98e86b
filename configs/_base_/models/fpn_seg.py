# Semantic FPN (FPN neck + mmseg's FPNHead in an EncoderDecoder) for a tpmm spiking
# backbone. Task configs add one of `_base_/backbones/` and set
# `backbone=_base_.backbone`, `neck.in_channels=_base_.backbone_channels`.
# SyncBN for multi-GPU runs; mmengine's Runner reverts it to BN when not distributed
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size_divisor=32,  # a multiple of every tpmm backbone's `stride`
        test_cfg=dict(size_divisor=32)),
    neck=dict(type='FPN', out_channels=256, num_outs=4),
    decode_head=dict(
        type='FPNHead',
        in_channels=[256, 256, 256, 256],
        in_index=[0, 1, 2, 3],
        feature_strides=[4, 8, 16, 32],
        channels=128,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
