"""tpmm engine: hooks and launch helpers."""
from .launch import apply_common_args, apply_pruning_overlay, setup_cpu_distributed

__all__ = ['apply_common_args', 'apply_pruning_overlay', 'setup_cpu_distributed']
