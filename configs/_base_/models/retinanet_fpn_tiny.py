# A narrow RetinaNet for small images (the synthetic 128x128 shapes): 64-channel FPN on
# strides 4 / 8 / 16 / 32 (no P6 / P7) and two stacked head convs; the smallest anchor is
# 16 px so that 15-60 px objects all get positive anchors.
_base_ = './retinanet_fpn.py'

model = dict(
    neck=dict(out_channels=64, start_level=0, add_extra_convs=False, num_outs=4),
    bbox_head=dict(
        in_channels=64,
        stacked_convs=2,
        feat_channels=64,
        anchor_generator=dict(
            octave_base_scale=4, scales_per_octave=2, strides=[4, 8, 16, 32])),
    test_cfg=dict(nms_pre=500, max_per_img=50))
