"""What the natural-clutter study compares, and how closely."""
from collections import OrderedDict

from projects.classification import sweep

#: the criteria of the cluttered-digits sweep (the released IRToP, tpmm's variants, the
#: one-term ablations and the baselines), without its spatial-L2 ablation
METHODS = OrderedDict((name, pruning) for name, pruning in sweep.METHODS.items()
                      if name != 'spatial-L2')
#: criteria whose first record is a token selection (ToMe's records are merge
#: representatives, not a selection)
SELECTION_METHODS = tuple(m for m in METHODS if m != 'ToMe')
#: the overlay whose criterion calibration searches a schedule for (the released one)
CALIBRATION_OVERLAY = 'irtop_k0.5'
#: the FLOPs reduction the fine-tuning runs prune at
FINETUNE_REDUCTION = 0.3
#: a point whose FLOPs reduction misses its target by more than this is unreachable
MATCH_TOLERANCE = 0.01
#: the calibrator's search stops within this relative margin above its FLOPs target
#: (``KeepScheduleCalibrator.search``'s default tolerance)
CALIBRATOR_TOLERANCE = 0.02
#: no criterion keeps fewer tokens than this share (the calibrator's floor too): below
#: it, a point would compare selections of a handful of tokens
MIN_KEEP = 0.1
