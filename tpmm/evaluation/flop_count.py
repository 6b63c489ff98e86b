"""FLOPs of one real forward pass, per module, so that token pruning shows up.

Counting runs the model under :class:`torch.utils.flop_counter.FlopCounterMode`: every
matrix multiplication and convolution that actually executes is counted with the
shapes it actually has. A pruned block that runs its attention and MLP on ``K`` of
``N`` tokens is therefore counted on ``K`` tokens, and the work of the pruner itself
(scoring, merging) is counted where it uses such operators. Element-wise operators
(neurons, normalisation, residual adds) are not counted, as in the usual FLOPs
convention (one multiply-add = 2 FLOPs).
"""
from typing import Any, Dict, Mapping

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

GLOBAL_SCOPE = 'Global'


def count_flops(model: nn.Module, inputs: Any) -> Dict[str, Any]:
    """Run ``model`` once (no grad) and count its FLOPs.

    Args:
        model: the module to run; called as ``model(*inputs)`` for a tuple or list,
            ``model(**inputs)`` for a dict, else ``model(inputs)``.
        inputs: its input(s).

    Returns:
        dict with

        * ``total`` (int): FLOPs of the whole forward.
        * ``per_module`` (dict[str, int]): FLOPs of each module scope, *inclusive* of
          its children, keyed by the module path rooted at the model's class name
          (``'SDTV1.blocks.3.attn.q_conv'``). Only scopes that saw counted operators
          appear.
        * ``self_per_module`` (dict[str, int]): the same without the nearest counted
          descendants, so that the values add up to ``total``.
    """
    with torch.no_grad(), FlopCounterMode(display=False, depth=None) as counter:
        if isinstance(inputs, (tuple, list)):
            model(*inputs)
        elif isinstance(inputs, dict):
            model(**inputs)
        else:
            model(inputs)
    per_module = {
        name: int(sum(ops.values()))
        for name, ops in counter.get_flop_counts().items() if name != GLOBAL_SCOPE
    }
    return dict(total=int(counter.get_total_flops()), per_module=per_module,
                self_per_module=exclusive_counts(per_module))


def exclusive_counts(inclusive: Mapping[str, float]) -> Dict[str, float]:
    """Turn inclusive per-scope counts into self counts.

    A scope's self count is its inclusive count minus the inclusive counts of its
    nearest descendants that also appear in ``inclusive`` (dotted names). Scopes whose
    self count is zero are left out.
    """
    own = dict(inclusive)
    for name, value in inclusive.items():
        parts = name.split('.')
        for end in range(len(parts) - 1, 0, -1):
            ancestor = '.'.join(parts[:end])
            if ancestor in inclusive:
                own[ancestor] -= value
                break
    return {name: value for name, value in own.items() if value}


def sum_under(counts: Mapping[str, float], prefix: str) -> float:
    """Sum of self counts of ``prefix`` and every scope below it (``prefix.*``)."""
    return sum(v for k, v in counts.items() if k == prefix or k.startswith(prefix + '.'))
