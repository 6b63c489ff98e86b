"""tpmm.Spikformer: zoo equivalence, checkpoint conversion, presets, shapes, errors."""
import os
import subprocess
import sys

import pytest
import torch
from spikingjelly.activation_based.model.spikformer import Spikformer as ZooSpikformer

from spiking_backbone_checks import (CONVERTERS, REPO_ROOT, assert_gradient_reaches,
                                     assert_matches_zoo, assert_no_state_leakage,
                                     assert_prunable_block, assert_pretrained_init_loads,
                                     assert_pruning_seam, converter, randomize_)
from tpmm.models.backbones.spikformer import Spikformer
from tpmm.registry import MODELS

spikformer2tpmm = converter('spikformer2tpmm')
conversion = converter('state_dict_conversion')
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


@pytest.mark.parametrize('arch', sorted(Spikformer.arch_zoo))
def test_every_preset_builds_with_documented_structure(arch):
    settings = Spikformer.arch_zoo[arch]
    with torch.device('meta'):
        model = MODELS.build(dict(type='Spikformer', arch=arch))
    c = settings['embed_dims']
    assert len(model.blocks) == settings['depth'] == model.num_prunable_blocks
    assert model.blocks[0].attn.num_heads == settings['num_heads']
    assert model.out_channels == [c] * 4 and model.stride == 32
    assert model.patch_embed.stages[0].conv.out_channels == c // 8


@pytest.mark.parametrize('T,batch', [(1, 1), (2, 3)])
def test_featmap_and_pooled_shapes(T, batch):
    x = images(batch, 64, 96)  # non-square, a multiple of the stride 32
    model = tiny(T=T, out_type='featmap').eval()
    with torch.no_grad():
        outs = model(x)
    assert [tuple(o.shape) for o in outs] == [(batch, 64, 64 // s, 96 // s) for s in (4, 8, 16, 32)]
    model = tiny(T=T, out_type='featmap', out_indices=(1, 3), time_reduce='none',
                 pyramid_channels=(8, 16, 24, 32)).eval()
    with torch.no_grad():
        outs = model(x)
    assert model.out_channels == [8, 16, 24, 32]
    assert [tuple(o.shape) for o in outs] == [(T, batch, 16, 8, 12), (T, batch, 32, 2, 3)]
    pooled = tiny(T=T, out_type='pooled').eval()
    assert pooled.stride == 16
    with torch.no_grad():
        assert pooled(images(batch, 16, 48))[0].shape == (batch, 64)


def test_paper_preset_forward_at_smallest_input():
    model = Spikformer(arch='8-384', T=1, out_type='featmap').eval()
    with torch.no_grad():
        outs = model(images(1, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(1, 384, 8, 8), (1, 384, 4, 4),
                                              (1, 384, 2, 2), (1, 384, 1, 1)]


def test_custom_arch_dict():
    model = Spikformer(arch=dict(embed_dims=32, depth=3, num_heads=4, mlp_ratio=2.0),
                       T=1, out_type='pooled')
    assert len(model.blocks) == 3 and model.blocks[0].mlp.fc1.out_channels == 64
    with torch.no_grad():
        assert model(images(2, 32, 32))[0].shape == (2, 32)


def test_gradients_reach_the_first_layer():
    model = tiny(out_type='featmap')
    assert_gradient_reaches(model, model.patch_embed.stages[0].conv.weight, images(2))


def test_no_state_leakage():
    model = randomize_(tiny(out_type='featmap'))
    assert_no_state_leakage(model, images(2, seed=1), images(2, seed=2))


def test_blocks_follow_the_prunable_block_protocol():
    model = randomize_(tiny(out_type='pooled'))
    x = model.patch_embed(model.to_sequence(images(2))).flatten(3)
    assert_prunable_block(model.blocks[0], x)


def test_pruning_seam():
    def plain(model, x):
        x = model.patch_embed(x)
        t, b, c, h, w = x.shape
        tokens = x.flatten(3)
        for block in model.blocks:
            tokens = block.tokenwise(tokens)
        return model.pyramid(tokens.reshape(t, b, c, h, w))

    def build(**kwargs):
        return randomize_(tiny(out_type='featmap', **kwargs))

    assert_pruning_seam(build, images(2), plain)


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match=r"arch='9-999'.*'8-384'"):
        Spikformer(arch='9-999')
    with pytest.raises(ValueError, match=r"missing key\(s\) \['mlp_ratio'\]"):
        Spikformer(arch=dict(embed_dims=64, depth=2, num_heads=2))
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['heads'\]"):
        Spikformer(arch=dict(embed_dims=64, depth=2, num_heads=2, mlp_ratio=4, heads=2))
    with pytest.raises(ValueError, match='out_indices entry 4'):
        tiny(out_indices=(0, 4))
    with pytest.raises(ValueError, match="stem_pool='middle'"):
        tiny(stem_pool='middle')
    with pytest.raises(ValueError, match='48x48 is not divisible by the backbone stride 32'):
        tiny(out_type='featmap')(images(1, 48, 48))


def test_pretrained_init_cfg_loads_a_converted_checkpoint(tmp_path):
    source = tiny(stem_pool='before_spike', out_type='pooled')
    source.load_state_dict(spikformer2tpmm.convert(zoo_model().state_dict(), 'zoo'))
    assert_pretrained_init_loads(
        lambda **kw: tiny(stem_pool='before_spike', out_type='pooled', **kw), source, tmp_path)
