"""Tiny generated MOT17-style sequences for the tracking tests, written once per session."""
import json
import os
from types import SimpleNamespace

import pytest

from tpmm.datasets import SyntheticMOTGenerator, convert_mot_to_coco_video

SEQ_LENGTH = 10
NUM_SEQUENCES = 2


@pytest.fixture(scope='session')
def mot_data(tmp_path_factory):
    """``root``: a MOTChallenge folder (``train/<seq>/``) with the CocoVideo json files
    ``annotations/{train,half-train,half-val}_cocoformat.json``, like
    ``tools/dataset_converters/make_synthetic.py --which mot`` writes."""
    root = tmp_path_factory.mktemp('tracking') / 'synthetic_mot'
    generator = SyntheticMOTGenerator(height=72, width=128, seq_length=SEQ_LENGTH,
                                      objects_per_sequence=(3, 4), seed=5)
    summary = generator.write(str(root), num_train=NUM_SEQUENCES)
    os.makedirs(root / 'annotations')
    for subset, half in (('train', None), ('half-train', 'train'), ('half-val', 'val')):
        with open(root / 'annotations' / f'{subset}_cocoformat.json', 'w') as f:
            json.dump(convert_mot_to_coco_video(str(root / 'train'), half=half), f)
    return SimpleNamespace(root=root, sequences=summary['train']['sequences'],
                           seq_length=SEQ_LENGTH)
