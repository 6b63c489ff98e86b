# Natural-clutter digits: scikit-learn's handwritten digits composited over crops of the
# photographs bundled with scikit-image, with distractor fragments and strokes (112x112,
# 14x14 tokens at the configs' token_stride 8), as files written by
# tools/dataset_converters/make_natural_clutter.py (<split>/<class>/NNNNNN.png,
# meta/<split>.txt), read by mmpretrain's stock CustomDataset.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['tpmm'], allow_failed_imports=False)

dataset_type = 'CustomDataset'
data_root = 'data/natural_clutter'
classes = ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
data_preprocessor = dict(num_classes=10, mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/train.txt',
                 data_prefix='train', metainfo=dict(classes=classes), pipeline=pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/val.txt',
                 data_prefix='val', metainfo=dict(classes=classes), pipeline=pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='meta/test.txt',
                 data_prefix='test', metainfo=dict(classes=classes), pipeline=pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
