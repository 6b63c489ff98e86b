# The FE108 tracker config on the generated FE108-layout sequences: SDT-V1 'tiny' with
# T=2 event bins, 64 / 128 px template / search crops, a short CPU schedule. Make the
# data first (8 train + 4 test sequences of 40 frames, 128x96, as
# tools/demo_event_tracking.py):
#     python tools/dataset_converters/make_event_tracking.py
_base_ = './sdtrack_sdtv1_fe108.py'

data_root = 'data/synthetic_fe108/'
num_bins = 2
template_size, search_size = 64, 128

model = dict(
    backbone=dict(arch='tiny', T=num_bins),
    head=dict(in_channels=64, feat_channels=64),
    template_size=template_size, search_size=search_size)

train_pipeline = [
    dict(type='tpmm.SampleSOTPair', max_gap=20),
    dict(type='tpmm.LoadEventFrames'),
    dict(type='tpmm.CropTemplateSearch', template_factor=2.0, template_size=template_size,
         search_factor=4.0, search_size=search_size, center_jitter=3.0, scale_jitter=0.25),
    dict(type='tpmm.PackSOTInputs')
]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, num_bins=num_bins, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, num_bins=num_bins))
test_dataloader = val_dataloader

max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=2e-3), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', T_max=max_iters - 30, eta_min=1e-5, by_epoch=False,
         begin=30, end=max_iters)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
log_processor = dict(window_size=20)
