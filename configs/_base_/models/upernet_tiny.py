# A narrow UPerNet for small images (the synthetic 128x128 shapes): 64-channel UPerHead
# and a 32-channel auxiliary FCN head.
_base_ = './upernet.py'

model = dict(
    decode_head=dict(channels=64),
    auxiliary_head=dict(channels=32))
