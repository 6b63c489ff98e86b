# QKFormer 10-768 (65.0 M with head), T=4, ImageNet-1k 224x224: the model the paper
# prunes (IRToP: configs/_base_/pruning/irtop_qkformer.py).
# Recipe: zhouchenlin2096/QKFormer imagenet/train.py as logged in
# imagenet/logs/QKFormer_64M.txt: as 10-384's (qkformer-10-384_8xb32-accum2_in1k.py) but
# 8 GPUs x batch 24 x accum_iter 3 (576), lr 6e-4 x 576 / 256 = 1.35e-3.
# Not reproduced: drop_path 0.1, AMP.
# Converted weights: tools/model_converters/qkformer2tpmm.py SRC DST --classifier.
_base_ = ['./qkformer-10-384_8xb32-accum2_in1k.py']

model = dict(backbone=dict(arch='10-768'), head=dict(in_channels=768))

train_dataloader = dict(batch_size=24)
val_dataloader = dict(batch_size=24)
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=6e-4 * 8 * 24 * 3 / 256), accumulative_counts=3)
auto_scale_lr = dict(base_batch_size=8 * 24 * 3)
