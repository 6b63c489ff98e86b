"""Tiny synthetic COCO / ADE20K / MOT sets, written once per session under ``<tmp>/data``
(the data roots of configs/_base_/datasets/synthetic_*.py relative to ``<tmp>``)."""
import json
import os
from types import SimpleNamespace

import pytest

from tpmm.datasets.mot_to_coco_video import convert_mot_to_coco_video
from tpmm.datasets.synthetic_ade import SyntheticADEGenerator
from tpmm.datasets.synthetic_coco import SyntheticCocoGenerator
from tpmm.datasets.synthetic_mot import SyntheticMOTGenerator

COCO_COUNTS = dict(num_train=6, num_val=5)
ADE_COUNTS = dict(num_train=4, num_val=3)
MOT_COUNTS = dict(num_train=2, num_test=1)


@pytest.fixture(scope='session')
def synthetic(tmp_path_factory):
    """Generators and roots of the written sets; ``workdir`` holds ``data/``."""
    workdir = tmp_path_factory.mktemp('synthetic')
    data = workdir / 'data'
    coco = SyntheticCocoGenerator(height=96, width=96, empty_ratio=0.2, seed=3)
    coco.write(str(data / 'synthetic_coco'), **COCO_COUNTS)
    ade = SyntheticADEGenerator(height=64, width=64, seed=3)
    ade.write(str(data / 'synthetic_ade'), **ADE_COUNTS)
    mot = SyntheticMOTGenerator(height=72, width=128, seq_length=10, seed=3)
    mot_root = data / 'synthetic_mot'
    mot.write(str(mot_root), **MOT_COUNTS)
    os.makedirs(mot_root / 'annotations')
    for subset, half in (('train', None), ('half-train', 'train'), ('half-val', 'val')):
        with open(mot_root / 'annotations' / f'{subset}_cocoformat.json', 'w') as f:
            json.dump(convert_mot_to_coco_video(str(mot_root / 'train'), half=half), f)
    return SimpleNamespace(
        workdir=workdir, coco_counts=COCO_COUNTS, ade_counts=ADE_COUNTS, mot_counts=MOT_COUNTS,
        coco=coco, coco_root=data / 'synthetic_coco', ade=ade,
        ade_root=data / 'synthetic_ade' / 'ADEChallengeData2016', mot=mot, mot_root=mot_root)
