# Meta-SpikeFormer (Spike-driven Transformer V2) 8-512 (55 M), T=1, ImageNet-1k 224x224.
# Recipe: BICLab/Spike-Driven-Transformer-V2 classification/train.sh with
# main_finetune.py's defaults (the MAE code base): 8 GPUs x batch 128, AdamW blr 6e-4
# (lr 6e-4 x 1024 / 256 = 2.4e-3), weight decay 0.05, 200 epochs, 10 warm-up epochs,
# min lr 1e-6, label smoothing 0.1, no mixup / cutmix, RandAugment rand-m9-mstd0.5-inc1,
# random erasing 0.25, test crop_pct 224/256. The reference classifier keeps its last
# stage at stride 16 (last_stage_stride=1).
# Head (classification/models.py): LIF on the pooled features, nn.Linear per timestep,
# mean over T (and, in a distilled checkpoint, the mean of head and head_kd): tpmm's
# pooled output is the T-mean of those spikes, so a LinearClsHead gives the same logits.
# Not reproduced: drop_path 0.1, AMP; the second stage of train_finetune_from_t1_to_t4.sh
# (T=4, 50 epochs, hard distillation from caformer_b36) has no stock mmpretrain
# counterpart; evaluate such a checkpoint with --cfg-options model.backbone.T=4.
# Converted weights: tools/model_converters/sdt_v2_2tpmm.py SRC DST --classifier.
_base_ = [
    '../_base_/models/spiking_classifier_in1k.py',
    '../_base_/datasets/imagenet_bs64_mae-randaug_224.py',
    '../_base_/schedules/imagenet_adamw_mae-cosine_200e.py',
    '../_base_/default_runtime_cls.py',
]

model = dict(
    backbone=dict(type='tpmm.SDTV2', arch='8-512', T=1, last_stage_stride=1),
    head=dict(in_channels=640))

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=6e-4 * 8 * 128 / 256))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=190, eta_min=1e-6, by_epoch=True, begin=10, end=200,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=8 * 128)
