# A narrow Semantic FPN for small images (the synthetic 128x128 shapes): 64-channel FPN
# and a 64-channel FPNHead.
_base_ = './fpn_seg.py'

model = dict(
    neck=dict(out_channels=64),
    decode_head=dict(in_channels=[64, 64, 64, 64], channels=64))
