"""tpmm datasets: offline demo data in the real COCO / ADE20K / MOTChallenge formats,
and checks that stop a run early on bad data paths."""
from .check_data import check_data_config
from .synthetic_ade import SyntheticADEGenerator
from .synthetic_coco import SyntheticCocoGenerator
from .synthetic_mot import SyntheticMOTGenerator

__all__ = ['check_data_config', 'SyntheticCocoGenerator', 'SyntheticADEGenerator',
           'SyntheticMOTGenerator']
