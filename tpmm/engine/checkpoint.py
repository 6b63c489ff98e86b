"""Checkpoints that do not fit the model are refused, naming the keys."""
import re
from typing import Dict, Optional

import torch
from mmengine.model import is_model_wrapper
from mmengine.runner import CheckpointLoader
from torch import nn

#: the pruner's own weights (if any): they differ between pruned and unpruned models
PRUNER_KEY = re.compile(r'(^|\.)pruner\.')


def checkpoint_state_dict(path: str, prefix: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """The weights in the checkpoint ``path`` (``'module.'`` prefixes dropped).

    With ``prefix`` (a regex matched at the start of the keys), a checkpoint with
    keys under it gives only those, without the prefix (a backbone out of a detector's
    checkpoint); one without such keys gives all its keys.
    """
    checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu', logger='silent')
    state_dict = checkpoint.get('state_dict', checkpoint)
    state_dict = {re.sub(r'^module\.', '', k): v for k, v in state_dict.items()}
    if prefix is not None:
        pattern = re.compile(prefix)
        if any(pattern.match(k) for k in state_dict):
            state_dict = {pattern.sub('', k, count=1): v for k, v in state_dict.items()
                          if pattern.match(k)}
    return state_dict


def check_state_dict(model: nn.Module, state_dict: Dict[str, torch.Tensor],
                     source: str) -> None:
    """Raise ``RuntimeError`` naming the keys of ``state_dict`` that ``model`` lacks,
    those it has that ``state_dict`` lacks, and those of another shape. The pruner's
    own keys are left aside, as are BN ``num_batches_tracked`` counters (mmengine
    does the same)."""
    if is_model_wrapper(model):
        model = model.module
    expected = {k: v for k, v in model.state_dict().items() if not PRUNER_KEY.search(k)}
    given = {k: v for k, v in state_dict.items() if not PRUNER_KEY.search(k)}
    missing = sorted(k for k in expected.keys() - given.keys()
                     if not k.endswith('num_batches_tracked'))
    unexpected = sorted(given.keys() - expected.keys())
    shapes = sorted(f'{k} {tuple(given[k].shape)} vs {tuple(expected[k].shape)}'
                    for k in expected.keys() & given.keys()
                    if tuple(given[k].shape) != tuple(expected[k].shape))
    problems = [f'{len(keys)} {what} ({", ".join(keys[:5])}{", ..." if len(keys) > 5 else ""})'
                for what, keys in (('missing keys', missing), ('unexpected keys', unexpected),
                                   ('keys of another shape', shapes)) if keys]
    if problems:
        raise RuntimeError(f'{source} does not fit the {type(model).__name__} of this '
                           f'config: {"; ".join(problems)}')
