"""tpmm engine: hooks, launch helpers, pruning overlays, checkpoint checks, the demos'
step runner."""
from .checkpoint import check_state_dict, checkpoint_state_dict
from .demo_runner import DemoRunner
from .hooks import AtomicCheckpointHook
from .launch import (CPUDistributedDataParallel, add_common_args, apply_common_args,
                     setup_cpu_distributed, teardown_distributed)
from .pruning_overlay import (PRUNING_OVERLAY_DIR, apply_pruning_overlay, backbone_key,
                              backbone_pruning, check_pruning_options, load_overlay,
                              overlay_pruning, pruning_options, pruning_variants,
                              resolve_overlay, without_delete_keys)

__all__ = [
    'AtomicCheckpointHook', 'check_state_dict', 'checkpoint_state_dict', 'DemoRunner',
    'CPUDistributedDataParallel', 'add_common_args', 'apply_common_args',
    'setup_cpu_distributed', 'teardown_distributed',
    'PRUNING_OVERLAY_DIR', 'apply_pruning_overlay', 'backbone_key', 'backbone_pruning',
    'check_pruning_options', 'load_overlay', 'overlay_pruning', 'pruning_options',
    'pruning_variants', 'resolve_overlay', 'without_delete_keys'
]
