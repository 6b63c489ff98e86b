"""Checks shared by the spiking-backbone tests."""
import os.path as osp
from typing import Callable, Dict

import torch
import torch.nn.functional as F
from spikingjelly.activation_based import base, functional
from torch import nn

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: the converters' command lines (their library: ``tpmm.models.converters``)
CONVERTERS = osp.join(REPO_ROOT, 'tools', 'model_converters')


def randomize_(model: nn.Module, seed: int = 0) -> nn.Module:
    """He-normal conv / linear weights, small random biases, random batch-norm affine
    parameters and running statistics, so that neurons fire at varied rates."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.weight.uniform_(0.5, 2.0, generator=gen)
                module.bias.uniform_(-0.5, 1.0, generator=gen)
                module.running_mean.uniform_(-0.3, 0.3, generator=gen)
                module.running_var.uniform_(0.5, 1.5, generator=gen)
            elif isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0, (2.0 / fan_in) ** 0.5, generator=gen)
                if module.bias is not None:
                    module.bias.uniform_(-0.2, 0.2, generator=gen)
    return model


def zoo_logits(zoo: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Logits ``[B, classes]`` of a spikingjelly zoo classifier (per-timestep logits
    are averaged over T, as the zoo's training scripts do)."""
    functional.reset_net(zoo)
    out = zoo(x)
    return out.mean(0) if out.dim() == 3 else out


def backbone_logits(backbone: nn.Module, head: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """``head`` on the pooled features of a tpmm backbone (``out_type='pooled'``)."""
    return F.linear(backbone(x)[0], head.weight, head.bias)


def assert_meaningful(logits: torch.Tensor) -> None:
    """The reference logits depend on the input (spikes fire, not all saturate)."""
    assert torch.isfinite(logits).all()
    assert (logits.std(dim=0) > 1e-3).any(), 'logits do not depend on the input'


def assert_matches_zoo(zoo: nn.Module, backbone: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        ref = zoo_logits(zoo, x)
        out = backbone_logits(backbone, zoo.head, x)
    assert_meaningful(ref)
    diff = (ref - out).abs().max().item()
    assert diff <= 1e-5, f'max |logits difference| = {diff}'


def assert_gradient_reaches(backbone: nn.Module, first_weight: torch.Tensor,
                            x: torch.Tensor) -> None:
    """A loss on every output reaches the first conv with a non-zero gradient."""
    backbone.train()
    loss = sum(o.float().square().mean() for o in backbone(x))
    loss.backward()
    assert first_weight.grad is not None
    assert first_weight.grad.abs().sum() > 0


def assert_no_state_leakage(backbone: nn.Module, a: torch.Tensor, b: torch.Tensor) -> None:
    """The output for ``a`` is the same whether or not ``b`` went through first."""
    backbone.eval()
    with torch.no_grad():
        fresh = [o.clone() for o in backbone(a)]
        backbone(b)
        again = backbone(a)
    for x, y in zip(fresh, again):
        assert torch.equal(x, y)


def neuron_states(module: nn.Module) -> Dict[str, object]:
    """Every memory (membrane potential ...) of the spikingjelly modules in ``module``."""
    states = {}
    for name, sub in module.named_modules():
        if isinstance(sub, base.MemoryModule):
            for key, value in sub._memories.items():
                states[f'{name}.{key}'] = value.clone() if torch.is_tensor(value) else value
    return states


def assert_prunable_block(block: nn.Module, x: torch.Tensor) -> None:
    """The prunable-block protocol on ``x`` ``[T, B, C, N]``.

    * ``tokenwise`` keeps the shape for any number of tokens and is equivariant to the
      token order (run on reversed tokens = reversed output);
    * ``attention_received`` gives ``[B, N]`` shares summing to 1 and differing
      between tokens, in training mode
      too, without changing neuron states or batch-norm statistics, and without
      changing what ``tokenwise`` computes afterwards.
    """
    block.eval()
    functional.reset_net(block)
    full = block.tokenwise(x)
    assert full.shape == x.shape
    functional.reset_net(block)
    reversed_tokens = block.tokenwise(x.flip(-1))
    assert torch.allclose(reversed_tokens.flip(-1), full, atol=1e-5)
    functional.reset_net(block)
    subset = x[..., : max(1, x.shape[-1] // 3)]
    assert block.tokenwise(subset).shape == subset.shape

    for training in (False, True):
        block.train(training)
        functional.reset_net(block)
        buffers = {k: v.clone() for k, v in block.state_dict().items()}
        states = neuron_states(block)
        with torch.no_grad():
            scores = block.attention_received(x)
        assert scores.shape == (x.shape[1], x.shape[3])
        assert (scores >= 0).all()
        assert torch.allclose(scores.sum(-1), torch.ones(x.shape[1]), atol=1e-5)
        assert (scores.std(-1) > 0).all(), 'the estimate does not tell tokens apart'
        for key, value in block.state_dict().items():
            assert torch.equal(value, buffers[key]), f'{key} changed'
        assert neuron_states(block).keys() == states.keys()
        for key, value in neuron_states(block).items():
            before = states[key]
            same = torch.equal(value, before) if torch.is_tensor(value) else value == before
            assert same, f'neuron state {key} changed'
    block.eval()
    functional.reset_net(block)
    with torch.no_grad():
        block.attention_received(x)
        assert torch.equal(block.tokenwise(x), full)


def assert_pruning_seam(build: Callable[..., nn.Module], x: torch.Tensor,
                        plain_forward: Callable[[nn.Module, torch.Tensor], list]) -> None:
    """NoPrune and IRToP(keep_ratio=1.0) equal the plain block loop exactly; real
    pruning (IRToP 0.5, attention scorer) keeps every output shape and changes the
    output."""
    unpruned = build(pruning=None).eval()
    state = unpruned.state_dict()
    with torch.no_grad():
        plain = plain_forward(unpruned, unpruned.to_sequence(x))
        outs = unpruned(x)
    assert len(outs) == len(plain)
    for out, ref in zip(outs, plain):
        assert torch.equal(out, ref.mean(0))
    variants = [dict(type='IRToP', keep_ratio=1.0),
                dict(type='IRToP', keep_ratio=0.5),
                dict(type='IRToP', keep_ratio=0.5,
                     scorer=dict(type='AttentionTokenScorer'))]
    for pruning in variants:
        model = build(pruning=pruning).eval()
        model.load_state_dict(state)
        with torch.no_grad():
            pruned = model(x)
        assert [p.shape for p in pruned] == [o.shape for o in outs]
        same = all(torch.equal(p, o) for p, o in zip(pruned, outs))
        assert same == (pruning['keep_ratio'] == 1.0), pruning
        if pruning['keep_ratio'] < 1.0:
            assert len(model.pruner.last_records) == model.num_prunable_blocks


def assert_pretrained_init_loads(build: Callable[..., nn.Module], source: nn.Module,
                                 tmp_path) -> None:
    """``init_cfg=dict(type='Pretrained')`` loads a converted checkpoint saved to disk."""
    path = str(tmp_path / 'converted.pth')
    torch.save({'state_dict': source.state_dict()}, path)
    model = build(init_cfg=dict(type='Pretrained', checkpoint=path))
    model.init_weights()
    loaded = model.state_dict()
    assert loaded.keys() == source.state_dict().keys()
    for key, value in source.state_dict().items():
        assert torch.equal(loaded[key], value), key
