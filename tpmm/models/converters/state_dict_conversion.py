"""Shared by the checkpoint converters: loading, unwrapping, a conversion plan that
names every missing and every unknown key before it converts anything, the classifier
head, and the command line of ``tools/model_converters/*2tpmm.py``."""
import argparse
import re
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import torch

Tensor = torch.Tensor
BN_FIELDS = ('weight', 'bias', 'running_mean', 'running_var')
#: The official classifiers' head is one ``nn.Linear`` on the pooled features: SDT-V1 /
#: V2 / V3 apply it per timestep and average the logits over T, Spikformer / QKFormer
#: apply it to the T-average; a linear layer is affine, so both equal the linear layer on
#: the T-average that tpmm's ``out_type='pooled'`` gives. mmpretrain's
#: ``LinearClsHead`` names it ``fc``.
HEAD_KEYS = {'head.weight': 'head.fc.weight', 'head.bias': 'head.fc.bias'}


class CheckpointConversionError(ValueError):
    """A checkpoint does not have the key layout the converter expects."""


def unwrap_state_dict(checkpoint) -> Dict[str, Tensor]:
    """The state dict inside ``checkpoint``: weights wrapped in ``'state_dict'``,
    ``'model'`` or ``'module'`` (also nested) are unwrapped, and a ``'module.'`` prefix
    on every key (DistributedDataParallel) is dropped."""
    while isinstance(checkpoint, dict):
        wrapper = next((k for k in ('state_dict', 'model', 'module')
                        if isinstance(checkpoint.get(k), dict)), None)
        if wrapper is None:
            break
        checkpoint = checkpoint[wrapper]
    if not isinstance(checkpoint, dict):
        raise CheckpointConversionError(
            f'expected a state dict (or a dict wrapping one in "state_dict" / "model"), '
            f'got {type(checkpoint).__name__}')
    not_tensors = sorted(k for k, v in checkpoint.items() if not isinstance(v, Tensor))
    if not_tensors:
        raise CheckpointConversionError(
            f'not a state dict: these entries are not tensors: {short_list(not_tensors)}')
    if checkpoint and all(k.startswith('module.') for k in checkpoint):
        checkpoint = {k[len('module.'):]: v for k, v in checkpoint.items()}
    return dict(checkpoint)


def load_state_dict(path: str) -> Dict[str, Tensor]:
    """Load a checkpoint file with ``weights_only=True`` (training scripts often pickle
    their ``argparse.Namespace``, which is allowed) and unwrap its state dict."""
    with torch.serialization.safe_globals([argparse.Namespace]):
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return unwrap_state_dict(checkpoint)


def short_list(keys: Sequence[str], limit: int = 20) -> str:
    keys = list(keys)
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys) - limit} more)' if len(keys) > limit else '')


def block_count(state_dict: Dict[str, Tensor], pattern: str) -> int:
    """``1 + the largest index`` captured by ``pattern`` (a regex with one group of
    digits matched at the start of the keys); 0 if no key matches. Blocks missing
    below that index then show up as missing keys."""
    indices = [int(m.group(1)) for m in map(re.compile(pattern).match, state_dict) if m]
    return max(indices) + 1 if indices else 0


class ConversionPlan:
    """Target keys, each computed from source keys; checked as a whole before use.

    Args:
        ignored (Iterable[str]): regexes (full match) of source keys that are known and
            unused (e.g. a classification head), dropped silently.
    """

    def __init__(self, ignored: Iterable[str] = ()):
        self.ignored = [re.compile(p) for p in ignored]
        self.steps = []

    def add(self, targets: Sequence[str], sources: Sequence[str],
            fn: Callable[..., Sequence[Tensor]], optional: Sequence[str] = ()) -> None:
        """``fn(*source tensors) -> one tensor per target``; a key in ``optional`` may be
        absent (``fn`` then gets ``None`` for it)."""
        self.steps.append((list(targets), list(sources), fn, set(optional)))

    def copy(self, target: str, source: str,
             fn: Optional[Callable[[Tensor], Tensor]] = None) -> None:
        """``target = fn(source)`` (``fn`` defaults to the identity)."""
        self.add([target], [source], lambda t: [t if fn is None else fn(t)])

    def batch_norm(self, target: str, source: str,
                   subtract_bias: Optional[str] = None) -> None:
        """A batch norm at ``source.`` -> ``target.``. ``subtract_bias`` names a bias
        (of the conv before it) to fold into the running mean, for a target conv
        without bias: ``BN(Wx + b) = BN'(Wx)`` with ``running_mean' = running_mean - b``
        (exact in eval mode; in training the batch mean cancels ``b`` anyway)."""
        for field in ('weight', 'bias', 'running_var'):
            self.copy(f'{target}.{field}', f'{source}.{field}')
        if subtract_bias is None:
            self.copy(f'{target}.running_mean', f'{source}.running_mean')
        else:
            self.add([f'{target}.running_mean'], [f'{source}.running_mean', subtract_bias],
                     lambda mean, bias: [mean - bias])
        self.num_batches_tracked(target, [source])

    def concat_batch_norms(self, target: str, sources: Sequence[str]) -> None:
        """Batch norms over channel groups (e.g. Q, K, V) -> one batch norm over their
        concatenated channels."""
        for field in BN_FIELDS:
            self.add([f'{target}.{field}'], [f'{s}.{field}' for s in sources],
                     lambda *parts: [torch.cat(parts)])
        self.num_batches_tracked(target, sources)

    def num_batches_tracked(self, target: str, sources: Sequence[str]) -> None:
        keys = [f'{s}.num_batches_tracked' for s in sources]
        self.add([f'{target}.num_batches_tracked'], keys,
                 lambda first, *rest: [first if first is not None
                                       else torch.tensor(0, dtype=torch.long)],
                 optional=keys)

    def zero_bias(self, target: str, weight_source: str) -> None:
        """``target`` = zeros, one per output channel of ``weight_source`` (a conv with
        ``bias=False`` in the source, ``bias=True`` in the target)."""
        self.add([target], [weight_source],
                 lambda weight: [torch.zeros(weight.shape[0], dtype=weight.dtype)])

    def run(self, state_dict: Dict[str, Tensor], what: str) -> Dict[str, Tensor]:
        """Apply the plan to ``state_dict``; ``what`` names the layout in errors.

        Raises:
            CheckpointConversionError: naming every missing source key and every
                source key the plan neither uses nor ignores.
        """
        used, missing = set(), []
        for _, sources, _, optional in self.steps:
            for key in sources:
                if key in state_dict:
                    used.add(key)
                elif key not in optional:
                    missing.append(key)
        unknown = sorted(k for k in state_dict if k not in used
                         and not any(p.fullmatch(k) for p in self.ignored))
        problems = []
        if missing:
            problems.append(f'missing keys: {short_list(sorted(set(missing)))}')
        if unknown:
            problems.append(f'unknown keys: {short_list(unknown)}')
        if problems:
            raise CheckpointConversionError(
                f'the checkpoint does not match the {what} layout; ' + '; '.join(problems))
        out = {}
        for targets, sources, fn, _ in self.steps:
            values = fn(*[state_dict.get(k) for k in sources])
            out.update(zip(targets, values))
        return out


def conv1x1_as_conv1d(weight: Tensor) -> Tensor:
    """A 1x1 ``Conv2d`` weight ``[O, I, 1, 1]`` -> ``Conv1d`` weight ``[O, I, 1]``."""
    if weight.dim() == 3:
        return weight
    if weight.dim() != 4 or weight.shape[2:] != (1, 1):
        raise CheckpointConversionError(f'expected a 1x1 conv weight, got shape '
                                        f'{tuple(weight.shape)}')
    return weight.reshape(weight.shape[0], weight.shape[1], 1)


def summary(doc: str) -> str:
    """The first paragraph of a converter's docstring, on one line (its ``--help``)."""
    return ' '.join(doc.strip().split('\n\n')[0].split())


def classifier_state_dict(convert: Callable[[Dict[str, Tensor], str], Dict[str, Tensor]],
                          state_dict: Dict[str, Tensor],
                          source: str = 'official') -> Dict[str, Tensor]:
    """An official classifier checkpoint -> the keys of an mmpretrain ``ImageClassifier``
    with a ``LinearClsHead``: ``convert`` (a converter's backbone conversion) under
    ``backbone.``, the official ``head.weight`` / ``head.bias`` as ``head.fc.*``.

    A distilled SDT-V2 / V3 checkpoint also has ``head_kd.*``; the official evaluation
    averages the two heads' logits, which is the linear layer with the averaged weight and
    bias, so that is what is written.

    Raises:
        CheckpointConversionError: the checkpoint has no ``head.weight`` / ``head.bias``
            (a backbone of a detector, say), or the backbone keys do not match.
    """
    state_dict = unwrap_state_dict(state_dict)
    missing = sorted(k for k in HEAD_KEYS if k not in state_dict)
    if missing:
        raise CheckpointConversionError(
            f'no classification head in the checkpoint: {", ".join(missing)} missing; '
            'convert a checkpoint without head to backbone keys (no --classifier)')
    out = {f'backbone.{k}': v for k, v in convert(state_dict, source).items()}
    for key, target in HEAD_KEYS.items():
        distilled = key.replace('head.', 'head_kd.', 1)
        value = state_dict[key]
        out[target] = (value + state_dict[distilled]) / 2 if distilled in state_dict else value
    return out


def convert_file(convert: Callable[[Dict[str, Tensor], str], Dict[str, Tensor]],
                 description: str, argv: Optional[List[str]] = None,
                 notes: Optional[Dict[str, str]] = None,
                 sources: Sequence[str] = ('zoo', 'official')) -> None:
    """Command line of a converter: ``SRC DST [--source SOURCE] [--classifier]``
    (``sources``, the key layouts ``convert`` reads; default ``official``); writes
    ``{'state_dict': converted}`` to ``DST``: the backbone's keys (loadable with
    ``init_cfg=dict(type='Pretrained', checkpoint=DST)``), or with ``--classifier`` the
    whole mmpretrain ``ImageClassifier`` (:func:`classifier_state_dict`), for
    ``tools/test.py configs/classification/CONFIG DST``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='source checkpoint')
    parser.add_argument('dst', help='output checkpoint (tpmm keys)')
    parser.add_argument('--source', choices=sources, default='official',
                        help='key layout of SRC: the official repository (default)' +
                        (' or the spikingjelly 2.0 model zoo' if 'zoo' in sources else ''))
    parser.add_argument('--classifier', action='store_true',
                        help='write an mmpretrain ImageClassifier checkpoint (backbone.* and '
                        'the classification head as head.fc.*) for configs/classification/')
    args = parser.parse_args(argv)
    state_dict = load_state_dict(args.src)
    converted = (classifier_state_dict(convert, state_dict, args.source) if args.classifier
                 else convert(state_dict, args.source))
    torch.save({'state_dict': converted}, args.dst)
    print(f'wrote {len(converted)} tensors to {args.dst}')
    if notes and args.source in notes:
        print(notes[args.source])
