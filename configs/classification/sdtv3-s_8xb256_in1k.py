# E-SpikeFormer (Spike-driven Transformer V3) s (5.1 M), T=1 with integer spikes (I-LIF,
# max spike 4), ImageNet-1k 224x224: a model the paper prunes (IRToP:
# configs/_base_/pruning/irtop_sdtv3.py).
# Recipe: BICLab/Spike-Driven-Transformer-V3 SDT_V3/Classification/Model_Base/Train_Base.md
# with main_finetune.py's defaults (the MAE code base): 8 GPUs x batch 256, AdamW blr
# 6e-4 (lr 6e-4 x 2048 / 256 = 4.8e-3), weight decay 0.05, 200 epochs, 5 warm-up epochs,
# min lr 1e-6, label smoothing 0.1, no mixup / cutmix, RandAugment rand-m9-mstd0.5-inc1,
# random erasing 0.25, test crop_pct 224/256. The reference classifier keeps its last
# stage at stride 16 (last_stage_stride=1).
# Head (models.py): MultiSpike on the pooled features, then nn.Linear: a LinearClsHead on
# tpmm's pooled output.
# Not reproduced: drop_path 0.1, AMP.
# Converted weights: tools/model_converters/sdt_v3_2tpmm.py SRC DST --classifier.
_base_ = [
    '../_base_/models/spiking_classifier_in1k.py',
    '../_base_/datasets/imagenet_bs64_mae-randaug_224.py',
    '../_base_/schedules/imagenet_adamw_mae-cosine_200e.py',
    '../_base_/default_runtime_cls.py',
]

model = dict(
    backbone=dict(type='tpmm.SDTV3', arch='s', T=1, max_spike=4, last_stage_stride=1),
    head=dict(in_channels=192))

train_dataloader = dict(batch_size=256)
val_dataloader = dict(batch_size=256)
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=6e-4 * 8 * 256 / 256))
auto_scale_lr = dict(base_batch_size=8 * 256)
