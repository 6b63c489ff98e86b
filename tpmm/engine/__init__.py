"""tpmm engine: hooks and launch helpers."""
from .hooks import AtomicCheckpointHook
from .launch import (apply_common_args, apply_pruning_overlay, backbone_key,
                     setup_cpu_distributed)

__all__ = ['AtomicCheckpointHook', 'apply_common_args', 'apply_pruning_overlay', 'backbone_key',
           'setup_cpu_distributed']
