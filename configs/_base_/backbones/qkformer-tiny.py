# QKFormer 'tiny' (T=2): the layout of qkformer-10-384.py, narrow,
# for tests and the synthetic 128x128 shapes.
_base_ = './qkformer-10-384.py'

backbone = dict(arch='tiny', T=2)
backbone_channels = [16, 32, 64]
