"""tpmm engine: hooks and launch helpers."""
from .launch import (apply_common_args, apply_pruning_overlay, backbone_key,
                     setup_cpu_distributed)

__all__ = ['apply_common_args', 'apply_pruning_overlay', 'backbone_key', 'setup_cpu_distributed']
