# Spike-driven Transformer V1 'tiny' (T=2): the layout of sdtv1-8-384.py, narrow,
# for tests and the synthetic 128x128 shapes.
_base_ = './sdtv1-8-384.py'

backbone = dict(arch='tiny', T=2)
backbone_channels = [64, 64, 64, 64]
