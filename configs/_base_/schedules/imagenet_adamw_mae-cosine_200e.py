# The MAE code base's schedule (QKFormer, SDT-V2, SDT-V3 main_finetune.py / train.py):
# AdamW (betas 0.9 / 0.999), weight decay 0.05 on all but the 1-D parameters (biases,
# norms: param_groups_lrd with layer_decay 1.0), lr = blr x total batch / 256 (the
# classifier configs set it), linear warm-up from 0 over `warmup` epochs and a half-cycle
# cosine to min_lr 1e-6, both per iteration (util/lr_sched.adjust_learning_rate), 200
# epochs.
max_epochs = 200
warmup = 5

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup, eta_min=1e-6, by_epoch=True,
         begin=warmup, end=max_epochs, convert_to_iter_based=True),
]

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# lr is for the recipe's total batch; --auto-scale-lr rescales it for another one
auto_scale_lr = dict(base_batch_size=256)
