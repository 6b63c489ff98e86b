# ImageNet-1k, 224x224, the training transform of timm's create_transform as the MAE
# code base uses it (QKFormer, SDT-V2 and SDT-V3 train with this code base's
# util/datasets.py build_transform): RandomResizedCrop (0.08-1, bicubic), horizontal
# flip, RandAugment rand-m9-mstd0.5-inc1, RandomErasing 0.25 ('pixel': per-pixel normal
# noise); test: resize the short side to 256 (crop_pct 224/256, bicubic), centre crop
# 224. Mean / std: ImageNet's.
#
# Layout (the official repositories' README): data/imagenet/{train,val}/<wnid>/*.JPEG,
# read by mmpretrain's ImageNet (classes: the sorted wnid folders); with
# data/imagenet/meta/{train,val}.txt ("relative/path.JPEG label" lines) those are read
# instead of listing the folders.
dataset_type = 'ImageNet'
data_root = 'data/imagenet'
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],  # RGB
    std=[58.395, 57.12, 57.375],
    to_rgb=True)  # images are loaded as BGR

bgr_mean = data_preprocessor['mean'][::-1]
bgr_std = data_preprocessor['std'][::-1]

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.08, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2, total_level=10,
         magnitude_level=9, magnitude_std=0.5,
         hparams=dict(pad_val=[round(x) for x in bgr_mean], interpolation='bicubic')),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02,
         max_area_ratio=1 / 3, fill_color=bgr_mean, fill_std=bgr_std),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
