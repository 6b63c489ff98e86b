# The MOT17 ByteTrack config on the synthetic MOT17-style sequences: only the data root,
# the image size (192x108 frames, img_scale 192), the model width (SDT-V1 'tiny', T=2, and
# the narrow RetinaNet of retinanet_fpn_tiny.py) and the schedule (iterations) change.
# Make the data first (4 sequences x 30 frames, the defaults, as tools/demo_tracking.py):
#     python tools/dataset_converters/make_synthetic.py --which mot
_base_ = './bytetrack_retinanet_sdtv1-8-384_fpn_8xb2-12e_mot17halftrain_test-mot17halfval.py'

data_root = 'data/synthetic_mot/'
img_scale = (192, 192)

# the settings of _base_/backbones/sdtv1-tiny.py
backbone = dict(arch='tiny', T=2)
backbone_channels = [64, 64, 64, 64]

model = dict(
    detector=dict(
        backbone=backbone,
        neck=dict(
            in_channels=backbone_channels,
            out_channels=64,
            start_level=0,
            add_extra_convs=False,
            num_outs=4),
        bbox_head=dict(
            in_channels=64,
            stacked_convs=2,
            feat_channels=64,
            anchor_generator=dict(
                octave_base_scale=4, scales_per_octave=2, strides=[4, 8, 16, 32])),
        test_cfg=dict(nms_pre=500, max_per_img=50)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.8, 1.2), keep_ratio=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
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
train_dataloader = dict(
    batch_size=4, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

# 300 iterations of batch 4 on tools/demo_tracking.py's data (4 videos x 30 frames)
# reach HOTA ~0.7 on the half-val frames
max_iters = 300
warmup_iters = 30
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='CosineAnnealingLR', T_max=max_iters - warmup_iters, eta_min=1e-5,
         by_epoch=False, begin=warmup_iters, end=max_iters)
]
optim_wrapper = dict(optimizer=dict(lr=0.002))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='tpmm.AtomicCheckpointHook', by_epoch=False, interval=max_iters))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=False)
