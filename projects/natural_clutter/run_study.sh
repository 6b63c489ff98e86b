#!/usr/bin/env bash
# Reproduce projects/natural_clutter/results/: write the natural-clutter digits, train
# each backbone once per seed, fine-tune seed 0 with IRToP at the keep ratio of -30 %
# backbone FLOPs (and, as the control, the same epochs unpruned), then run the study
# (every criterion at matched FLOPs, intervals, foreground recall, calibrated schedules).
# Usage (from anywhere): bash projects/natural_clutter/run_study.sh
# Environment: MODELS (default "sdt_v1 qkformer sdt_v3"), SEEDS ("0 1"), EPOCHS (the
# configs' 6), TEST_IMAGES (1000), DATA_ARGS (extra make_natural_clutter.py arguments).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
WORK=${WORK_ROOT:-work_dirs/natural_clutter}
DATA=data/natural_clutter  # the configs' data_root
CFG=projects/natural_clutter/configs
MODELS=${MODELS:-sdt_v1 qkformer sdt_v3}
SEEDS=${SEEDS:-0 1}
EPOCHS=${EPOCHS:-6}
schedule="train_cfg.max_epochs=$EPOCHS train_cfg.val_interval=$EPOCHS \
param_scheduler.0.end=$EPOCHS param_scheduler.0.T_max=$EPOCHS \
default_hooks.checkpoint.interval=1 default_hooks.checkpoint.max_keep_ckpts=1"

if [[ ! -f $DATA/meta/test.txt ]]; then
  # shellcheck disable=SC2086
  $PY tools/dataset_converters/make_natural_clutter.py --out $DATA --image-size 112 ${DATA_ARGS:-}
fi
$PY -m projects.natural_clutter.study --data-root $DATA --check-data
for m in $MODELS; do
  for s in $SEEDS; do
    # shellcheck disable=SC2086
    $PY tools/train.py $CFG/${m}_nc.py --work-dir $WORK/${m}_seed$s --resume \
      --cfg-options randomness.seed=$s $schedule
  done
  first=${SEEDS%% *}
  keep=$($PY -m projects.natural_clutter.study --models $m --keep-for-reduction 0.3)
  finetune="load_from=$(cat $WORK/${m}_seed$first/last_checkpoint) train_cfg.max_epochs=1 \
train_cfg.val_interval=1 param_scheduler.0.end=1 param_scheduler.0.T_max=1 \
optim_wrapper.optimizer.lr=1e-3"
  if [[ ! -f $WORK/${m}_seed${first}_irtop_ft/last_checkpoint ]]; then
    # shellcheck disable=SC2086
    $PY tools/train.py $CFG/${m}_nc.py --work-dir $WORK/${m}_seed${first}_irtop_ft \
      --pruning irtop_k0.5 --cfg-options $finetune model.backbone.pruning.keep_ratio=$keep
  fi
  if [[ ! -f $WORK/${m}_seed${first}_unpruned_ft/last_checkpoint ]]; then
    # shellcheck disable=SC2086
    $PY tools/train.py $CFG/${m}_nc.py --work-dir $WORK/${m}_seed${first}_unpruned_ft \
      --cfg-options $finetune
  fi
done
# shellcheck disable=SC2086
$PY -m projects.natural_clutter.study --models $MODELS --seeds $SEEDS --work-root $WORK \
  --data-root $DATA --test-images "${TEST_IMAGES:-1000}" --calibrate
