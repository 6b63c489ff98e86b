"""tpmm evaluation: efficiency and token-selection measures used by tools/analysis."""
from .flop_count import count_flops, exclusive_counts, sum_under
from .pruning_overhead import PruningOverheadTimer
from .schedule_calibration import (CalibrationResult, KeepScheduleCalibrator,
                                   output_distortion)
from .token_informativeness import (foreground_recall, kept_mask, kept_vs_stopped,
                                    patch_information_maps, relative_feature_error,
                                    selection_information, token_means)
from .sot_metrics import SOTMetric, ope_scores, sequence_scores
from .spike_energy import (DEFAULT_E_AC_PJ, DEFAULT_E_MAC_PJ, measure_spike_energy,
                           paper_energy_pj)

__all__ = [
    'count_flops', 'exclusive_counts', 'sum_under', 'PruningOverheadTimer',
    'KeepScheduleCalibrator', 'CalibrationResult', 'output_distortion',
    'measure_spike_energy', 'paper_energy_pj', 'DEFAULT_E_AC_PJ', 'DEFAULT_E_MAC_PJ',
    'patch_information_maps', 'token_means', 'kept_mask', 'kept_vs_stopped',
    'foreground_recall', 'relative_feature_error', 'selection_information', 'SOTMetric',
    'ope_scores', 'sequence_scores'
]
