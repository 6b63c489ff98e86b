# timm train.py's cosine schedule (Spikformer, SDT-V1): warm-up from warmup_lr for 20
# epochs, cosine to min_lr over 300 epochs, then 10 cool-down epochs at min_lr (timm
# trains cycle + cooldown_epochs = 310 epochs); the lr changes once per epoch. The
# mmengine cosine restarts its phase after the warm-up (timm's keeps counting from epoch
# 0), so epochs 20-300 run a little above timm's curve. AdamW, weight decay 0.05 on all
# but the 1-D parameters (timm's create_optimizer filters biases and norms); the
# classifier configs set lr, warmup_lr (start_factor = warmup_lr / lr) and min_lr.
max_epochs = 310

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
    paramwise_cfg=dict(flat_decay_mult=0.0))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / 5e-4, by_epoch=True, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=280, eta_min=1e-5, by_epoch=True, begin=20, end=300),
]

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=256)
