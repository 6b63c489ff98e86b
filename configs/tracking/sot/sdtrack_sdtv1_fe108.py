# Event-based single-object tracking on FE108 (SDTrack-style one-stream tracker on an
# SDT-V1 8-384 backbone). Data: FE108 in its release layout under data/FE108/
# (train/<seq>/, test/<seq>/ with groundtruth_rect.txt) and the event stacks SDTrack's
# GTP_FE108.py writes (<seq>/inter1_stack_3008/<frame>_1.png); or, with
# representation='events', <seq>/events.npy + timestamps.txt (see
# tpmm/datasets/event_sot/sequence_io.py). VisEvent / FELT: dataset_type='tpmm.VisEventDataset' /
# 'tpmm.FELTDataset' and their data_root.
#     python tools/train.py configs/tracking/sot/sdtrack_sdtv1_fe108.py [--pruning irtop_k0.7]
#     python tools/test.py configs/tracking/sot/sdtrack_sdtv1_fe108.py CKPT [--pruning ...]
# One-pass evaluation keeps a state per sequence: test with one process (frames in order).
# mmengine's scope with tpmm.-prefixed types (mmengine's own visualizer and loops)
default_scope = 'mmengine'
custom_imports = dict(imports=['tpmm'], allow_failed_imports=False)

data_root = 'data/FE108/'
dataset_type = 'tpmm.FE108Dataset'
num_bins = 1  # event frames per annotated frame = the backbone's timesteps T
template_size, search_size = 128, 256  # OSTrack / SDTrack crops: 2x and 4x the box

model = dict(
    type='tpmm.OneStreamSpikingTracker',
    backbone=dict(type='tpmm.SDTV1', arch='8-384', T=num_bins, out_type='pooled',
                  pruning=dict(type='NoPrune')),
    head=dict(type='tpmm.SOTCenterHead', in_channels=384, feat_channels=256, num_convs=2),
    template_factor=2.0, template_size=template_size,
    search_factor=4.0, search_size=search_size,
    loss_weights=dict(focal=1.0, giou=2.0, l1=5.0))

train_pipeline = [
    dict(type='tpmm.SampleSOTPair', max_gap=200),
    dict(type='tpmm.LoadEventFrames'),
    dict(type='tpmm.CropTemplateSearch', template_factor=2.0, template_size=template_size,
         search_factor=4.0, search_size=search_size, center_jitter=3.0, scale_jitter=0.25),
    dict(type='tpmm.PackSOTInputs')
]
test_pipeline = [dict(type='tpmm.LoadEventFrames'), dict(type='tpmm.PackSOTInputs')]

train_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', num_bins=num_bins,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', num_bins=num_bins,
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='tpmm.SOTMetric')
test_evaluator = val_evaluator

max_iters = 60000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=4e-4, weight_decay=1e-4),
                     clip_grad=dict(max_norm=0.1))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.8)], gamma=0.1)
]

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='tpmm.AtomicCheckpointHook', by_epoch=False, interval=5000,
                    max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
