# Spike-driven Transformer V2 (C=(8, 16, 32, 32), depths (1, 1, 4, 2), last stage at
# stride 16, T=2) on natural-clutter digits at 224 px; otherwise as sdt_v3_nc.py.
_base_ = ['./sdt_v3_nc.py']
model = dict(backbone=dict(type='tpmm.SDTV2'))
