# Spikformer 8-768 (66.3 M with head), T=4, ImageNet-1k 224x224.
# Recipe: ZK-Zhou/spikformer imagenet/imagenet.yml (the repository's one ImageNet recipe,
# see spikformer-8-384_8xb24_in1k.py); only the width differs.
# Converted weights: tools/model_converters/spikformer2tpmm.py SRC DST --classifier.
_base_ = ['./spikformer-8-384_8xb24_in1k.py']

model = dict(backbone=dict(arch='8-768'), head=dict(in_channels=768))
