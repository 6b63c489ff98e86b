# Spike-driven Transformer V1, 8-768 (66.3 M with head), T=4, ImageNet-1k 224x224: the
# model the paper prunes (IRToP: configs/_base_/pruning/irtop_sdtv1.py).
# Recipe: BICLab/Spike-Driven-Transformer conf/imagenet/8_768_300E_t4.yml, which differs
# from 8-384's (sdtv1-8-384_8xb48_in1k.py) in: lr 1e-3, batch 36 per GPU, min lr 2e-5,
# mixup / cutmix on every batch, RandAugment rand-m7-mstd0.5-inc1, RandomResizedCrop
# 0.08-1. Not reproduced: drop_path 0.2, AMP (see the 8-384 config); 8 GPUs assumed.
# Converted weights: tools/model_converters/sdt_v1_2tpmm.py SRC DST --classifier.
_base_ = ['./sdtv1-8-384_8xb48_in1k.py']

model = dict(
    backbone=dict(arch='8-768'),
    head=dict(in_channels=768),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.2), dict(type='CutMix', alpha=1.0)],
                   probs=[0.5, 0.5]))

bgr_mean = [103.53, 116.28, 123.675]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=7, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=36, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=36)
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5 / 1e-3, by_epoch=True, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=280, eta_min=2e-5, by_epoch=True, begin=20, end=300),
]
auto_scale_lr = dict(base_batch_size=8 * 36)
