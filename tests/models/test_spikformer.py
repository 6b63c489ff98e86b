"""tpmm.Spikformer: zoo equivalence, checkpoint conversion, custom archs (the shared
backbone contract is in test_backbone_contract.py)."""
import os
import subprocess
import sys

import pytest
import torch
from spikingjelly.activation_based.model.spikformer import Spikformer as ZooSpikformer

from helpers.spiking_backbone_checks import (CONVERTERS, REPO_ROOT, assert_matches_zoo,
                                             assert_pretrained_init_loads, randomize_)
from tpmm.models.backbones.spikformer import Spikformer
from tpmm.models.converters import spikformer as spikformer2tpmm
from tpmm.models.converters import state_dict_conversion as conversion

TINY = dict(embed_dims=64, num_heads=2, depths=2)


def zoo_model(T=2):
    """spikingjelly's Spikformer at the size of the 'tiny' preset, randomized, eval."""
    torch.manual_seed(0)
    zoo = ZooSpikformer(T=T, num_classes=5, img_size_h=64, img_size_w=64, **TINY)
    return randomize_(zoo).eval()


def images(batch=3, h=64, w=64, seed=1):
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def tiny(**kwargs):
    kwargs.setdefault('T', 2)
    return Spikformer(arch='tiny', **kwargs)


def official_layout(tpmm_state):
    """The ZK-Zhou/spikformer ImageNet key layout holding the same function as a tpmm
    state dict: Q/K/V split, non-zero projection / MLP conv biases compensated in the
    batch norms' running means, 1x1 Conv2d MLP weights, unused LayerNorms, a head."""
    gen = torch.Generator().manual_seed(5)
    out = {}

    def bn(dst, src, bias=None):
        for field in ('weight', 'bias', 'running_var', 'num_batches_tracked'):
            out[f'{dst}.{field}'] = tpmm_state[f'{src}.{field}']
        mean = tpmm_state[f'{src}.running_mean']
        out[f'{dst}.running_mean'] = mean if bias is None else mean + bias

    for i, suffix in enumerate(('', '1', '2', '3')):
        stage = f'patch_embed.stages.{i}'
        out[f'patch_embed.proj_conv{suffix}.weight'] = tpmm_state[f'{stage}.conv.weight']
        bn(f'patch_embed.proj_bn{suffix}', f'{stage}.bn')
    out['patch_embed.rpe_conv.weight'] = tpmm_state['patch_embed.rpe.conv.weight']
    bn('patch_embed.rpe_bn', 'patch_embed.rpe.bn')
    for j in range(TINY['depths']):
        src, dst = f'blocks.{j}', f'block.{j}'
        qkv = tpmm_state[f'{src}.attn.qkv_conv_bn.0.weight'].chunk(3)
        for name, weight in zip('qkv', qkv):
            out[f'{dst}.attn.{name}_conv.weight'] = weight
        for field in ('weight', 'bias', 'running_mean', 'running_var'):
            for name, part in zip('qkv', tpmm_state[f'{src}.attn.qkv_conv_bn.1.{field}'].chunk(3)):
                out[f'{dst}.attn.{name}_bn.{field}'] = part
        for name in 'qkv':
            out[f'{dst}.attn.{name}_bn.num_batches_tracked'] = torch.tensor(7)
        bias = torch.randn(64, generator=gen)
        out[f'{dst}.attn.proj_conv.weight'] = tpmm_state[f'{src}.attn.proj_conv_bn.0.weight']
        out[f'{dst}.attn.proj_conv.bias'] = bias
        bn(f'{dst}.attn.proj_bn', f'{src}.attn.proj_conv_bn.1', bias)
        for n in (1, 2):
            weight = tpmm_state[f'{src}.mlp.fc{n}.weight']
            bias = torch.randn(weight.shape[0], generator=gen)
            out[f'{dst}.mlp.fc{n}_conv.weight'] = weight.unsqueeze(-1)
            out[f'{dst}.mlp.fc{n}_conv.bias'] = bias
            bn(f'{dst}.mlp.fc{n}_bn', f'{src}.mlp.bn{n}', bias)
        for norm in ('norm1', 'norm2'):
            out[f'{dst}.{norm}.weight'] = torch.ones(64)
            out[f'{dst}.{norm}.bias'] = torch.zeros(64)
    out['head.weight'], out['head.bias'] = torch.zeros(5, 64), torch.zeros(5)
    return out


def test_matches_spikingjelly_zoo_after_conversion():
    zoo = zoo_model()
    backbone = tiny(stem_pool='before_spike', out_type='pooled').eval()
    backbone.load_state_dict(spikformer2tpmm.convert(zoo.state_dict(), 'zoo'))
    assert_matches_zoo(zoo, backbone, images())
    # the official stem (max-pool after the spikes) is a different function
    official_stem = tiny(stem_pool='after_spike', out_type='pooled').eval()
    official_stem.load_state_dict(backbone.state_dict())
    with torch.no_grad():
        assert not torch.equal(official_stem(images())[0], backbone(images())[0])


def test_official_layout_converts_to_the_same_function():
    zoo = zoo_model()
    converted = spikformer2tpmm.convert(zoo.state_dict(), 'zoo')
    official = official_layout(converted)
    wrapped = {'model': {f'module.{k}': v for k, v in official.items()}, 'epoch': 3}
    again = spikformer2tpmm.convert(conversion.unwrap_state_dict(wrapped), 'official')
    assert again.keys() == converted.keys()
    backbone = tiny(stem_pool='before_spike', out_type='pooled').eval()
    backbone.load_state_dict(again)
    assert_matches_zoo(zoo, backbone, images())


@pytest.mark.parametrize('source', ['zoo', 'official'])
def test_converter_names_missing_and_unknown_keys(source):
    state = spikformer2tpmm.convert(zoo_model().state_dict(), 'zoo')
    layout = zoo_model().state_dict() if source == 'zoo' else official_layout(state)
    dropped = next(k for k in layout if k.endswith('running_var'))
    del layout[dropped]
    layout['blocks.0.attn.extra.weight'] = torch.zeros(1)
    with pytest.raises(conversion.CheckpointConversionError) as info:
        spikformer2tpmm.convert(layout, source)
    assert dropped in str(info.value)
    assert 'blocks.0.attn.extra.weight' in str(info.value)
    with pytest.raises(ValueError, match='timm'):
        spikformer2tpmm.convert(layout, 'timm')


def test_converter_command_line(tmp_path):
    src, dst = tmp_path / 'zoo.pth', tmp_path / 'tpmm.pth'
    zoo = zoo_model()
    torch.save({'state_dict': zoo.state_dict()}, src)
    subprocess.run([sys.executable, f'{CONVERTERS}/spikformer2tpmm.py', str(src), str(dst),
                    '--source', 'zoo'], check=True, cwd=REPO_ROOT, capture_output=True,
                   env=dict(os.environ, OMP_NUM_THREADS='1'))
    saved = torch.load(dst, weights_only=True)['state_dict']
    expected = spikformer2tpmm.convert(zoo.state_dict(), 'zoo')
    assert saved.keys() == expected.keys()
    assert all(torch.equal(saved[k], expected[k]) for k in expected)


def test_custom_arch_dict():
    model = Spikformer(arch=dict(embed_dims=32, depth=3, num_heads=4, mlp_ratio=2.0),
                       T=1, out_type='pooled')
    assert len(model.blocks) == 3 and model.blocks[0].mlp.fc1.out_channels == 64
    with torch.no_grad():
        assert model(images(2, 32, 32))[0].shape == (2, 32)


def test_pretrained_init_cfg_loads_a_converted_checkpoint(tmp_path):
    source = tiny(stem_pool='before_spike', out_type='pooled')
    source.load_state_dict(spikformer2tpmm.convert(zoo_model().state_dict(), 'zoo'))
    assert_pretrained_init_loads(
        lambda **kw: tiny(stem_pool='before_spike', out_type='pooled', **kw), source, tmp_path)
