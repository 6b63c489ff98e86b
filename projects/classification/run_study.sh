#!/usr/bin/env bash
# Reproduce projects/classification/results/: train the five backbones on cluttered
# digits; fine-tune each for one epoch with IRToP at keep 0.5 (and, as a control,
# without pruning); run the training-free keep-ratio sweep, the throughput benchmark,
# an energy report and the token visualisations.
# Usage (from anywhere): bash projects/classification/run_study.sh [--accuracy-only]
#   --accuracy-only: skip the timing runs (efficiency.py, benchmark.py --train-step),
#   which do not depend on which tokens a criterion keeps.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
WORK=${WORK_ROOT:-work_dirs/cls_digits}
DATA=data/cluttered_digits  # the configs' data_root
OUT=projects/classification/results
CFG=projects/classification/configs

# the data: train / val / test canvases with 2 / 1 / 2 placements per digit
$PY -m projects.classification.make_digits --out-dir $DATA
# one more epoch at lr 1e-3 from a trained checkpoint (tools/train.py --cfg-options)
finetune() {
  echo load_from="$(cat "$1")" train_cfg.max_epochs=1 train_cfg.val_interval=1 \
    param_scheduler.0.end=1 param_scheduler.0.T_max=1 default_hooks.checkpoint.interval=1 \
    optim_wrapper.optimizer.lr=1e-3
}
for m in spikformer sdt_v1 qkformer sdt_v2 sdt_v3; do  # 6 epochs; SDT-V2 / V3: 10
  $PY tools/train.py $CFG/${m}_digits.py --work-dir $WORK/${m}_digits
  $PY tools/train.py $CFG/${m}_digits.py --pruning irtop_k0.5 \
    --cfg-options $(finetune $WORK/${m}_digits/last_checkpoint) \
    --work-dir $WORK/${m}_digits_irtop_k0.5
  $PY tools/train.py $CFG/${m}_digits.py \
    --cfg-options $(finetune $WORK/${m}_digits/last_checkpoint) \
    --work-dir $WORK/${m}_digits_unpruned_ft  # control: the extra epoch, unpruned
done
$PY -m projects.classification.sweep --work-root $WORK --data-root $DATA \
  --ratios 0.7 0.5 0.3 0.15 --out-dir $OUT
if [[ "${1:-}" != --accuracy-only ]]; then
  # timings: keep glibc from handing large activations back to the OS after every forward
  # (the page faults would inflate the unpruned stem's CPU time; see the project README)
  export MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184
  $PY -m projects.classification.efficiency --shape 224 224 --batch 8 --keep 0.7 0.5 \
    --sweep 224 512 1024 --sweep-models sdt_v1-8-384 --out-dir $OUT
  $PY tools/analysis/benchmark.py configs/detection/mask-rcnn_sdtv1-8-384_fpn_8xb2-1x_coco.py \
    --pruning irtop_k0.7 irtop_k0.5 --shape 224 224 --batch 4 --repeats 5 --iters 1 \
    --train-step --cfg-options model.backbone.T=1 --out $OUT/train_step_sdt_v1-8-384.json
fi
$PY tools/analysis/energy.py $CFG/sdt_v1_digits.py \
  --pruning irtop_k0.7 irtop_k0.5 irtop_paper_text_k0.5 irtop_l2_k0.5 \
  --checkpoint "$(cat $WORK/sdt_v1_digits/last_checkpoint)" --shape 224 224 \
  --image astronaut coffee chelsea --out $OUT/energy_sdt_v1.json
$PY -m projects.classification.save_samples --num 4 --out-dir $WORK/samples
for m in sdt_v1 qkformer; do
  $PY tools/analysis/vis_tokens.py $CFG/${m}_digits.py --images $WORK/samples \
    --checkpoint "$(cat $WORK/${m}_digits/last_checkpoint)" --shape 64 64 \
    --keep-ratio 0.5 --pruning irtop_paper_text_k0.5 irtop_l2_k0.5 --panel-size 128 \
    --out-dir $OUT/vis_${m}_digits
done
$PY tools/analysis/vis_tokens.py $CFG/sdt_v1_digits.py --images astronaut coffee chelsea \
  --checkpoint "$(cat $WORK/sdt_v1_digits/last_checkpoint)" --shape 224 224 \
  --keep-ratio 0.5 --pruning irtop_paper_text_k0.5 irtop_l2_k0.5 --panel-size 160 \
  --out-dir $OUT/vis_sdt_v1_photos
