# Spike-driven Transformer V2 (C=(8, 16, 32, 32), depths (1, 1, 4, 2), both transformer
# stages at token stride 8, T=2) on natural-clutter digits at 112 px; otherwise as sdt_v3_nc.py.
_base_ = ['./sdt_v3_nc.py']
model = dict(backbone=dict(type='tpmm.SDTV2'))
