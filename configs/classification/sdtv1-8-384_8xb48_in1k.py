# Spike-driven Transformer V1, 8-384 (16.8 M with head), T=4, ImageNet-1k 224x224.
# Recipe: BICLab/Spike-Driven-Transformer conf/imagenet/8_384_300E_t4.yml (timm
# train.py): LAMB lr 1.5e-3, weight decay 0.01, batch 48 per GPU, 300 cosine epochs
# after 20 warm-up epochs from 1e-5, min lr 1.5e-5, 10 cool-down epochs; label smoothing
# 0.1; mixup 0.2 / cutmix 1.0 applied to 60 % of the batches (switch 0.5);
# RandomResizedCrop (0.2-1, bicubic), flip, RandAugment rand-m5-mstd0.5-inc1, no random
# erasing, repeated augmentation x3; test crop_pct 0.95 (resize 235, centre crop 224).
# Head (model/spikeformer.py): head_lif, then nn.Linear per timestep, then the mean over
# T: tpmm's pooled output is the T-mean of head_lif's spikes, so a LinearClsHead on it
# gives the same logits (the layer is affine).
# Not reproduced: drop_path 0.2 (tpmm's backbones have no stochastic depth); AMP (add
# --amp on GPUs). The repository does not say how many GPUs it used: 8 are assumed for
# the name and auto_scale_lr.
# Converted weights: tools/model_converters/sdt_v1_2tpmm.py SRC DST --classifier.
_base_ = [
    '../_base_/models/spiking_classifier_in1k.py',
    '../_base_/datasets/imagenet_bs64_mae-randaug_224.py',
    '../_base_/schedules/imagenet_timm-cosine_300e.py',
    '../_base_/default_runtime_cls.py',
]

model = dict(
    backbone=dict(type='tpmm.SDTV1', arch='8-384', T=4),
    head=dict(in_channels=384),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.2), dict(type='CutMix', alpha=1.0)],
                   probs=[0.3, 0.3]))

bgr_mean = [103.53, 116.28, 123.675]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.2, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=5, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=235, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=48,
                        sampler=dict(_delete_=True, type='RepeatAugSampler', num_repeats=3,
                                     shuffle=True),
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=48, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(_delete_=True, type='Lamb', lr=1.5e-3, weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5 / 1.5e-3, by_epoch=True, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=280, eta_min=1.5e-5, by_epoch=True, begin=20, end=300),
]
auto_scale_lr = dict(base_batch_size=8 * 48)
