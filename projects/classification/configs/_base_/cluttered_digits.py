# Cluttered digits (scikit-learn's bundled 8x8 digits on a 64x64 cluttered canvas), as
# files written by `python -m projects.classification.make_digits` (mmpretrain's
# annotation-file layout: <split>/NNNNNN.png, meta/<split>.txt), read by mmpretrain's
# stock CustomDataset; mmpretrain scope, tpmm backbones by the 'tpmm.' prefix.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['tpmm'], allow_failed_imports=False)

dataset_type = 'CustomDataset'
data_root = 'data/cluttered_digits'
classes = ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
# 8-bit grey canvases (loaded as 3 equal channels) mapped to [-1, 1]
data_preprocessor = dict(num_classes=10, mean=[127.5] * 3, std=[127.5] * 3)
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/train.txt',
                 data_prefix='train', metainfo=dict(classes=classes), pipeline=pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/val.txt',
                 data_prefix='val', metainfo=dict(classes=classes), pipeline=pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/test.txt',
                 data_prefix='test', metainfo=dict(classes=classes), pipeline=pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
