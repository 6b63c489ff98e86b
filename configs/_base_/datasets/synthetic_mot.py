# Synthetic MOT17-style sequences: mot_challenge.py with ONLY the data root
# (data/synthetic_mot/) and the image size (192x108 frames, img_scale 192) changed.
# Make the data (sequences and the half-train / half-val CocoVideo json) first:
#   python tools/dataset_converters/make_synthetic.py --which mot
_base_ = './mot_challenge.py'

data_root = 'data/synthetic_mot/'
img_scale = (192, 192)

train_pipeline = [
    dict(type='UniformRefFrameSample', num_ref_imgs=1, frame_range=10, filter_key_img=True),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(type='RandomResize', scale=img_scale, ratio_range=(0.8, 1.2), keep_ratio=True,
                 clip_object_border=False),
            dict(type='PhotoMetricDistortion')
        ]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[dict(type='RandomCrop', crop_size=img_scale, bbox_clip_border=False)]),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[dict(type='RandomFlip', prob=0.5)]),
    dict(type='PackTrackInputs')
]
test_pipeline = [
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(type='LoadTrackAnnotations')
        ]),
    dict(type='PackTrackInputs')
]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
