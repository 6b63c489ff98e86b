# Spikformer (C=32, 6 blocks, T=2) on natural-clutter digits at 112 px: the pruned
# blocks see the paper's 14x14 token grid; otherwise as sdt_v1_nc.py.
_base_ = ['./sdt_v1_nc.py']
model = dict(backbone=dict(type='tpmm.Spikformer'))
