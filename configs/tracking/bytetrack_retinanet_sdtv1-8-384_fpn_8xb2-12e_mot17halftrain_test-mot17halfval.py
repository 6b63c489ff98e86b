# ByteTrack (mmdet 3.3) with a spiking detector: RetinaNet + FPN on SDT-V1 (8-384), one
# class (pedestrian), and mmdet's ByteTracker (Kalman motion, two-stage association).
#
# Training is ByteTrack's own path: ByteTrack.loss is the detector's loss, fed single
# frames of the half-train video json through a CocoDataset (the CocoVideo json is a COCO
# json with extra keys) and TrackDataPreprocessor(use_det_processor=True). Validation and
# test track whole videos: MOTChallengeDataset (half-val) + TrackImgSampler, scored by
# MOTChallengeMetric (HOTA, CLEAR/MOTA, Identity/IDF1 through trackeval).
#
# Data: data/MOT17/train/<seq>/{img1,gt/gt.txt,seqinfo.ini} and the json files from
#   python tools/dataset_converters/mot2coco_video.py -i data/MOT17 \
#       -o data/MOT17/annotations --split-train
# Pruning: tools/test.py ... --pruning configs/_base_/pruning/irtop_k0.7.py (overlays
#   reach model.detector.backbone; tune with --cfg-options model.detector.backbone.pruning...)
# Frame reuse of kept tokens: the bytetrack-frame-reuse_*.py variant (FrameReuseHook is on
# here and does nothing unless the backbone's pruner is a FrameReusePruner).
_base_ = [
    '../_base_/models/retinanet_fpn.py', '../_base_/backbones/sdtv1-8-384.py',
    '../_base_/datasets/mot_challenge.py', '../_base_/default_runtime_det.py'
]
custom_imports = dict(imports=['tpmm', 'tpmm.tracking'], allow_failed_imports=False)

data_root = 'data/MOT17/'
img_scale = (1088, 1088)

detector = _base_.model
detector.pop('data_preprocessor')
detector.backbone = _base_.backbone
detector.neck.in_channels = _base_.backbone_channels
detector.bbox_head.update(dict(num_classes=1))
detector.bbox_head.bbox_coder.update(dict(clip_border=False))

model = dict(
    _delete_=True,
    type='ByteTrack',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,  # a multiple of the backbone stride
        use_det_processor=True),  # training batches are single frames (DetDataSample)
    detector=detector,
    tracker=dict(
        type='ByteTracker',
        motion=dict(type='KalmanFilter'),
        # RetinaNet's focal-loss scores run lower than YOLOX's (mmdet's defaults 0.6 / 0.7)
        obj_score_thrs=dict(high=0.5, low=0.1),
        init_track_thr=0.6,
        weight_iou_with_det_scores=True,
        match_iou_thrs=dict(high=0.1, low=0.5, tentative=0.3),
        num_frames_retain=30))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.8, 1.2), keep_ratio=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
]
train_dataloader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        ann_file='annotations/half-train_cocoformat.json',
        data_prefix=dict(img='train/'),
        metainfo=dict(classes=('pedestrian', )),
        filter_cfg=dict(filter_empty_gt=True, min_size=8),
        pipeline=train_pipeline))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=12)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=500),
    dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-6, by_epoch=True, begin=0, end=12)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0002, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=5.0, norm_type=2))

custom_hooks = [dict(type='tpmm.FrameReuseHook')]
default_hooks = dict(visualization=dict(type='TrackVisualizationHook', draw=False))
# tpmm's TrackLocalVisualizer: mmdet's, able to draw the ground truth (mmdetection#11873)
visualizer = dict(
    type='tpmm.TrackLocalVisualizer',
    vis_backends=[dict(type='LocalVisBackend')],
    name='visualizer')
