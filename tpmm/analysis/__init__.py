"""tpmm analysis: the logic of ``tools/analysis`` (variant backbones, benchmark, energy,
calibration, test images, result tables)."""
from .benchmark import BenchmarkSettings, allocator_warning, run_benchmark, speedup_verdict
from .calibration import Calibration, calibrate_keep_schedule, calibration_batches, overlay_text
from .energy_report import print_energy_report, run_energy
from .images import (IMAGE_MEAN, IMAGE_STD, check_shape, image_tensor, input_shape_for,
                     load_image)
from .tables import format_cell, print_table, records_table, table_text
from .variants import (UNPRUNED, backbone_config, build_backbone, build_variant_backbones,
                       load_config)

__all__ = [
    'BenchmarkSettings', 'allocator_warning', 'run_benchmark', 'speedup_verdict',
    'Calibration', 'calibrate_keep_schedule', 'calibration_batches', 'overlay_text',
    'print_energy_report', 'run_energy', 'IMAGE_MEAN', 'IMAGE_STD', 'check_shape',
    'image_tensor', 'input_shape_for', 'load_image', 'format_cell', 'print_table',
    'records_table', 'table_text', 'UNPRUNED', 'backbone_config', 'build_backbone',
    'build_variant_backbones', 'load_config'
]
