"""tpmm.SDTV1: zoo equivalence, checkpoint conversion, presets, shapes, errors."""
import pytest
import torch
from spikingjelly.activation_based.model.spike_driven_transformer import \
    SpikeDrivenTransformer as ZooSDT

from spiking_backbone_checks import (assert_gradient_reaches, assert_matches_zoo,
                                     assert_no_state_leakage, assert_prunable_block,
                                     assert_pretrained_init_loads, assert_pruning_seam,
                                     converter, randomize_)
from tpmm.models.backbones.sdt_v1 import SDTV1
from tpmm.registry import MODELS

sdt_v1_2tpmm = converter('sdt_v1_2tpmm')
conversion = converter('state_dict_conversion')
TINY = dict(embed_dims=64, num_heads=2, depths=2)


def zoo_model(T=2):
    """spikingjelly's SDT-V1 at the size of the 'tiny' preset, randomized, eval."""
    torch.manual_seed(0)
    return randomize_(ZooSDT(T=T, num_classes=5, **TINY)).eval()


def images(batch=3, h=64, w=64, seed=1):
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def tiny(**kwargs):
    kwargs.setdefault('T', 2)
    return SDTV1(arch='tiny', **kwargs)


def official_layout(tpmm_state):
    """The BICLab/Spike-Driven-Transformer key layout holding the same function as a
    tpmm state dict: bias-free stem convs (their biases moved into the batch norms'
    running means), ``fc*_conv`` / ``fc*_bn`` MLP names, an unused ``talking_heads``
    conv, a head."""
    out = {}
    for i, suffix in enumerate(('', '1', '2', '3')):
        src, dst = f'patch_embed.stages.{i}', f'patch_embed.proj'
        out[f'{dst}_conv{suffix}.weight'] = tpmm_state[f'{src}.conv.weight']
        for field in ('weight', 'bias', 'running_var', 'num_batches_tracked'):
            out[f'{dst}_bn{suffix}.{field}'] = tpmm_state[f'{src}.bn.{field}']
        out[f'{dst}_bn{suffix}.running_mean'] = (tpmm_state[f'{src}.bn.running_mean']
                                                - tpmm_state[f'{src}.conv.bias'])
    for key, value in tpmm_state.items():
        if key.startswith('patch_embed.rpe.'):
            out[key.replace('rpe.', 'rpe_')] = value
        elif key.startswith('blocks.'):
            key = 'block.' + key[len('blocks.'):]
            for n in (1, 2):
                key = key.replace(f'mlp.fc{n}.', f'mlp.fc{n}_conv.')
                key = key.replace(f'mlp.bn{n}.', f'mlp.fc{n}_bn.')
            out[key] = value
    for j in range(TINY['depths']):
        out[f'block.{j}.attn.talking_heads.weight'] = torch.ones(2, 2, 1)
    out['head.weight'], out['head.bias'] = torch.zeros(5, 64), torch.zeros(5)
    return out


def test_matches_spikingjelly_zoo_after_conversion():
    zoo = zoo_model()
    backbone = tiny(out_type='pooled').eval()
    backbone.load_state_dict(sdt_v1_2tpmm.convert(zoo.state_dict(), 'zoo'))
    assert_matches_zoo(zoo, backbone, images())


def test_official_layout_converts_to_the_same_function():
    zoo = zoo_model()
    converted = sdt_v1_2tpmm.convert(zoo.state_dict(), 'zoo')
    wrapped = {'state_dict': official_layout(converted), 'args': None}
    again = sdt_v1_2tpmm.convert(conversion.unwrap_state_dict(wrapped), 'official')
    assert again.keys() == converted.keys()
    assert all(not again[f'patch_embed.stages.{i}.conv.bias'].any() for i in range(4))
    backbone = tiny(out_type='pooled').eval()
    backbone.load_state_dict(again)
    assert_matches_zoo(zoo, backbone, images())


@pytest.mark.parametrize('source', ['zoo', 'official'])
def test_converter_names_missing_and_unknown_keys(source):
    zoo_state = zoo_model().state_dict()
    layout = zoo_state if source == 'zoo' else official_layout(
        sdt_v1_2tpmm.convert(zoo_state, 'zoo'))
    dropped = next(k for k in layout if k.endswith('v_conv.weight'))
    del layout[dropped]
    layout['patch_embed.extra_conv.weight'] = torch.zeros(1)
    with pytest.raises(conversion.CheckpointConversionError) as info:
        sdt_v1_2tpmm.convert(layout, source)
    assert dropped in str(info.value)
    assert 'patch_embed.extra_conv.weight' in str(info.value)


def test_converter_file_interface(tmp_path):
    src, dst = tmp_path / 'sdt.pth', tmp_path / 'tpmm.pth'
    zoo = zoo_model()
    torch.save({'model': zoo.state_dict()}, src)
    conversion.convert_file(sdt_v1_2tpmm.convert, 'SDT', [str(src), str(dst), '--source', 'zoo'])
    model = tiny(out_type='pooled', init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    model.init_weights()
    expected = sdt_v1_2tpmm.convert(zoo.state_dict(), 'zoo')
    assert all(torch.equal(model.state_dict()[k], v) for k, v in expected.items())


@pytest.mark.parametrize('arch', sorted(SDTV1.arch_zoo))
def test_every_preset_builds_with_documented_structure(arch):
    settings = SDTV1.arch_zoo[arch]
    with torch.device('meta'):
        model = MODELS.build(dict(type='SDTV1', arch=arch))
    c = settings['embed_dims']
    assert len(model.blocks) == settings['depth'] == model.num_prunable_blocks
    assert model.blocks[0].attn.num_heads == settings['num_heads']
    assert model.out_channels == [c] * 4 and model.stride == 32
    assert model.patch_embed.stages[3].conv.out_channels == c


@pytest.mark.parametrize('T,batch', [(1, 1), (2, 3)])
def test_featmap_and_pooled_shapes(T, batch):
    x = images(batch, 96, 64)  # non-square, a multiple of the stride 32
    model = tiny(T=T).eval()
    with torch.no_grad():
        outs = model(x)
    assert [tuple(o.shape) for o in outs] == [(batch, 64, 96 // s, 64 // s) for s in (4, 8, 16, 32)]
    model = tiny(T=T, out_indices=(0, 2), time_reduce='none').eval()
    with torch.no_grad():
        outs = model(x)
    assert [tuple(o.shape) for o in outs] == [(T, batch, 64, 24, 16), (T, batch, 64, 6, 4)]
    pooled = tiny(T=T, out_type='pooled').eval()
    assert pooled.stride == 16 and pooled.out_channels == [64]
    with torch.no_grad():
        assert pooled(images(batch, 48, 16))[0].shape == (batch, 64)


def test_paper_preset_forward_at_smallest_input():
    model = SDTV1(arch='8-384', T=1, out_type='pooled').eval()
    with torch.no_grad():
        assert model(images(1, 16, 16))[0].shape == (1, 384)


def test_gradients_reach_the_first_layer():
    model = tiny()
    assert_gradient_reaches(model, model.patch_embed.stages[0].conv.weight, images(2))


def test_no_state_leakage():
    model = randomize_(tiny(out_type='pooled'))
    assert_no_state_leakage(model, images(2, seed=1), images(2, seed=2))


def test_blocks_follow_the_prunable_block_protocol():
    model = randomize_(tiny(out_type='pooled'))
    x = model.patch_embed(model.to_sequence(images(2))).flatten(3)
    assert_prunable_block(model.blocks[0], x)


def test_pruning_seam():
    def plain(model, x):
        x = model.patch_embed(x)
        t, b, c, h, w = x.shape
        x = x.flatten(3).unsqueeze(-1)
        for block in model.blocks:
            x = block.mlp(block.attn(x))
        return model.pyramid(x.reshape(t, b, c, h, w))

    def build(**kwargs):
        return randomize_(tiny(**kwargs))

    assert_pruning_seam(build, images(2), plain)


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match=r"arch='8-1024'.*'8-384'"):
        SDTV1(arch='8-1024')
    with pytest.raises(ValueError, match=r"missing key\(s\) \['depth', 'num_heads'\]"):
        SDTV1(arch=dict(embed_dims=64, mlp_ratio=4))
    with pytest.raises(ValueError, match='depth=0'):
        SDTV1(arch=dict(embed_dims=64, depth=0, num_heads=2, mlp_ratio=4))
    with pytest.raises(ValueError, match='embed_dims must be a multiple of 8, got 60'):
        SDTV1(arch=dict(embed_dims=60, depth=1, num_heads=2, mlp_ratio=4))
    with pytest.raises(ValueError, match='out_indices entry -1'):
        tiny(out_indices=(-1, ))
    with pytest.raises(ValueError, match='40x64 is not divisible by the backbone stride 32'):
        tiny()(images(1, 40, 64))
    with pytest.raises(ValueError, match='24x24 is not divisible by the backbone stride 16'):
        tiny(out_type='pooled')(images(1, 24, 24))


def test_pretrained_init_cfg_loads_a_converted_checkpoint(tmp_path):
    source = tiny(out_type='pooled')
    source.load_state_dict(sdt_v1_2tpmm.convert(zoo_model().state_dict(), 'zoo'))
    assert_pretrained_init_loads(lambda **kw: tiny(out_type='pooled', **kw), source, tmp_path)
