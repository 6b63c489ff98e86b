# Spikformer 8-384 (16.8 M with head), T=4, ImageNet-1k 224x224.
# Recipe: ZK-Zhou/spikformer imagenet/imagenet.yml with imagenet/train.py (timm; 8 GPUs
# in the README's command): AdamW lr 5e-4, weight decay 0.05, batch 24 per GPU, 300
# cosine epochs after 20 warm-up epochs from 1e-6, min lr 1e-5, 10 cool-down epochs;
# label smoothing 0.1; mixup 0.8 / cutmix 1.0 on every batch (switch 0.5);
# RandomResizedCrop with scale (1, 1) (the yml's setting: only the aspect ratio varies),
# bicubic, flip, RandAugment rand-m9-mstd0.5-inc1, random erasing 0.25 ('const': the
# mean colour); test crop_pct 1.0 (resize 224, centre crop 224).
# Head (imagenet/model.py): nn.Linear on the T-mean of the pooled features.
# Not reproduced: AMP (add --amp on GPUs).
# Converted weights: tools/model_converters/spikformer2tpmm.py SRC DST --classifier.
_base_ = [
    '../_base_/models/spiking_classifier_in1k.py',
    '../_base_/datasets/imagenet_bs64_mae-randaug_224.py',
    '../_base_/schedules/imagenet_timm-cosine_300e.py',
    '../_base_/default_runtime_cls.py',
]

model = dict(
    backbone=dict(type='tpmm.Spikformer', arch='8-384', T=4),
    head=dict(in_channels=384),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)],
                   probs=[0.5, 0.5]))

bgr_mean = [103.53, 116.28, 123.675]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(1.0, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='const', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=24, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=24, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 5e-4, by_epoch=True, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=280, eta_min=1e-5, by_epoch=True, begin=20, end=300),
]
auto_scale_lr = dict(base_batch_size=8 * 24)
