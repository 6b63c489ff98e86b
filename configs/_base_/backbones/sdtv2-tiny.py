# Spike-driven Transformer V2 'tiny' (T=2): the layout of sdtv2-8-512.py, narrow,
# for tests and the synthetic 128x128 shapes.
_base_ = './sdtv2-8-512.py'

backbone = dict(arch='tiny', T=2)
backbone_channels = [16, 32, 64, 64]
