# QKFormer 10-384 (16.5 M with head), T=4, ImageNet-1k 224x224: a model the paper prunes
# (IRToP: configs/_base_/pruning/irtop_qkformer.py).
# Recipe: zhouchenlin2096/QKFormer imagenet/train.py as logged in
# imagenet/logs/QKFormer_16M.txt: 8 GPUs x batch 32 x accum_iter 2 (512), AdamW blr 6e-4
# (lr 1.2e-3), weight decay 0.05, 200 epochs, 5 warm-up epochs, min lr 1e-6, label
# smoothing 0.1, no mixup / cutmix, RandAugment rand-m9-mstd0.5-inc1, random erasing
# 0.25, test crop_pct 224/256 (the MAE code base: _base_/datasets/imagenet_bs64_mae-randaug_224.py,
# _base_/schedules/imagenet_adamw_mae-cosine_200e.py).
# Head (imagenet/qkformer.py): nn.Linear on the T-mean of the pooled features: a
# LinearClsHead on tpmm's pooled output.
# Not reproduced: drop_path 0.1 (tpmm's backbones have no stochastic depth); AMP (add
# --amp on GPUs).
# Converted weights: tools/model_converters/qkformer2tpmm.py SRC DST --classifier.
_base_ = [
    '../_base_/models/spiking_classifier_in1k.py',
    '../_base_/datasets/imagenet_bs64_mae-randaug_224.py',
    '../_base_/schedules/imagenet_adamw_mae-cosine_200e.py',
    '../_base_/default_runtime_cls.py',
]

model = dict(
    backbone=dict(type='tpmm.QKFormer', arch='10-384', T=4),
    head=dict(in_channels=384))

train_dataloader = dict(batch_size=32)
val_dataloader = dict(batch_size=32)
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=6e-4 * 8 * 32 * 2 / 256), accumulative_counts=2)
auto_scale_lr = dict(base_batch_size=8 * 32 * 2)
