# Spike-driven Transformer V3 'tiny' (T=1): the layout of sdtv3-l.py, narrow,
# for tests and the synthetic 128x128 shapes.
_base_ = './sdtv3-l.py'

backbone = dict(arch='tiny', T=1)
backbone_channels = [16, 32, 64, 64]
