"""tpmm.SDTV1: zoo equivalence, checkpoint conversion (the shared backbone contract is
in test_backbone_contract.py)."""
import pytest
import torch
from spikingjelly.activation_based.model.spike_driven_transformer import \
    SpikeDrivenTransformer as ZooSDT

from helpers.spiking_backbone_checks import (assert_matches_zoo, assert_pretrained_init_loads,
                                             randomize_)
from tpmm.models.backbones.sdt_v1 import SDTV1
from tpmm.models.converters import sdt_v1 as sdt_v1_2tpmm
from tpmm.models.converters import state_dict_conversion as conversion

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


def test_pretrained_init_cfg_loads_a_converted_checkpoint(tmp_path):
    source = tiny(out_type='pooled')
    source.load_state_dict(sdt_v1_2tpmm.convert(zoo_model().state_dict(), 'zoo'))
    assert_pretrained_init_loads(lambda **kw: tiny(out_type='pooled', **kw), source, tmp_path)
