# mmseg runtime for tpmm segmenters: mmseg scope, tpmm components by the 'tpmm.' prefix.
# Hooks and log processing depend on the loop: the schedules set them.
default_scope = 'mmseg'
custom_imports = dict(imports=['tpmm'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')

log_level = 'INFO'
load_from = None
resume = False
