# Synthetic ADEChallengeData2016-format shapes: ade20k.py with ONLY the data root
# (data/synthetic_ade/ADEChallengeData2016) and the image sizes (128x128 images, crop 128,
# resize to a 128 short side) changed. The dataset stays ADE20KDataset with its 150 class
# names: label maps hold 0 (other, ignored), 1 (background surface) and 2..6 (circle, square,
# triangle, ellipse, star), i.e. ADE classes 0..5 after reduce_zero_label; IoUMetric reports
# NaN for the classes that never occur. Model configs set data_preprocessor.size=crop_size.
# Make the data first:  python tools/dataset_converters/make_synthetic.py --which ade
_base_ = './ade20k.py'

data_root = 'data/synthetic_ade/ADEChallengeData2016'
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(512, 128), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(512, 128), keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
