"""tpmm.QKFormer: zoo equivalence, checkpoint conversion, custom archs, per-stage
pruning (the shared backbone contract is in test_backbone_contract.py)."""
import pytest
import torch
from spikingjelly.activation_based.model.qkformer import QKFormer as ZooQKFormer

from helpers.spiking_backbone_checks import (assert_matches_zoo, assert_pretrained_init_loads,
                                             randomize_)
from tpmm.models.backbones.qkformer import QKFormer
from tpmm.models.converters import qkformer as qkformer2tpmm
from tpmm.models.converters import state_dict_conversion as conversion

TINY = dict(embed_dims=64, num_heads=(2, 2, 2), depths=(1, 1, 1))
#: tpmm (conv, bn) -> official (conv, bn) names per patch embedding
OFFICIAL_EMBED_NAMES = [
    {'conv1': 'proj_conv', 'bn1': 'proj_bn', 'conv2': 'proj1_conv', 'bn2': 'proj1_bn',
     'conv3': 'proj2_conv', 'bn3': 'proj2_bn', 'shortcut.0': 'proj_res_conv',
     'shortcut.1': 'proj_res_bn'},
    {'conv1': 'proj3_conv', 'bn1': 'proj3_bn', 'conv2': 'proj4_conv', 'bn2': 'proj4_bn',
     'shortcut.0': 'proj_res_conv', 'shortcut.1': 'proj_res_bn'}]


def zoo_model(T=2):
    """spikingjelly's QKFormer at the size of the 'tiny' preset, randomized, eval."""
    torch.manual_seed(0)
    return randomize_(ZooQKFormer(T=T, num_classes=5, **TINY)).eval()


def images(batch=3, h=64, w=64, seed=1):
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def tiny(**kwargs):
    kwargs.setdefault('T', 2)
    return QKFormer(arch='tiny', **kwargs)


def official_layout(tpmm_state):
    """The zhouchenlin2096/QKFormer ImageNet key layout holding the same function as a
    tpmm state dict: bias-free patch-embedding convs and non-zero attention projection
    biases (both compensated in the batch norms' running means), separate Q/K(/V)
    convs, 1x1 Conv2d MLP weights, a head."""
    gen = torch.Generator().manual_seed(5)
    out = {}

    def bn(dst, src, mean_shift=0):
        for field in ('weight', 'bias', 'running_var', 'num_batches_tracked'):
            out[f'{dst}.{field}'] = tpmm_state[f'{src}.{field}']
        out[f'{dst}.running_mean'] = tpmm_state[f'{src}.running_mean'] + mean_shift

    for s in range(3):
        names = OFFICIAL_EMBED_NAMES[min(s, 1)]
        src, dst = f'patch_embeds.{s}', f'patch_embed{s + 1}'
        for conv, bn_name in zip(list(names)[::2], list(names)[1::2]):
            out[f'{dst}.{names[conv]}.weight'] = tpmm_state[f'{src}.{conv}.weight']
            bn(f'{dst}.{names[bn_name]}', f'{src}.{bn_name}', -tpmm_state[f'{src}.{conv}.bias'])
        attn, fused, parts = (('attn', 'qkv_conv_bn', 'qkv') if s == 2
                              else ('tssa', 'qk_conv_bn', 'qk'))
        src, dst = f'stages.{s}.0', f'stage{s + 1}.0'
        chunks = len(parts)
        for name, weight in zip(parts, tpmm_state[f'{src}.attn.{fused}.0.weight'].chunk(chunks)):
            out[f'{dst}.{attn}.{name}_conv.weight'] = weight
        for field in ('weight', 'bias', 'running_mean', 'running_var'):
            values = tpmm_state[f'{src}.attn.{fused}.1.{field}'].chunk(chunks)
            for name, value in zip(parts, values):
                out[f'{dst}.{attn}.{name}_bn.{field}'] = value
        for name in parts:
            out[f'{dst}.{attn}.{name}_bn.num_batches_tracked'] = torch.tensor(3)
        proj = tpmm_state[f'{src}.attn.proj_conv_bn.0.weight']
        bias = torch.randn(proj.shape[0], generator=gen)
        out[f'{dst}.{attn}.proj_conv.weight'] = proj
        out[f'{dst}.{attn}.proj_conv.bias'] = bias
        bn(f'{dst}.{attn}.proj_bn', f'{src}.attn.proj_conv_bn.1', bias)
        for n in (1, 2):
            weight = tpmm_state[f'{src}.mlp.fc{n}.weight']
            out[f'{dst}.mlp.fc{n}_conv.weight'] = weight.unsqueeze(-1)
            out[f'{dst}.mlp.fc{n}_conv.bias'] = tpmm_state[f'{src}.mlp.fc{n}.bias']
            bn(f'{dst}.mlp.fc{n}_bn', f'{src}.mlp.bn{n}')
    out['head.weight'], out['head.bias'] = torch.zeros(5, 64), torch.zeros(5)
    return out


def test_matches_spikingjelly_zoo_after_conversion():
    zoo = zoo_model()
    backbone = tiny(out_type='pooled').eval()
    backbone.load_state_dict(qkformer2tpmm.convert(zoo.state_dict(), 'zoo'))
    assert_matches_zoo(zoo, backbone, images())


def test_official_layout_converts_to_the_same_function():
    zoo = zoo_model()
    converted = qkformer2tpmm.convert(zoo.state_dict(), 'zoo')
    again = qkformer2tpmm.convert(official_layout(converted), 'official')
    assert again.keys() == converted.keys()
    backbone = tiny(out_type='pooled').eval()
    backbone.load_state_dict(again)
    assert_matches_zoo(zoo, backbone, images())


@pytest.mark.parametrize('source', ['zoo', 'official'])
def test_converter_names_missing_and_unknown_keys(source):
    zoo_state = zoo_model().state_dict()
    layout = zoo_state if source == 'zoo' else official_layout(
        qkformer2tpmm.convert(zoo_state, 'zoo'))
    dropped = next(k for k in layout if k.startswith('stage2.0.') and 'bn' in k)
    del layout[dropped]
    layout['stage4.0.attn.q_conv.weight'] = torch.zeros(1)
    with pytest.raises(conversion.CheckpointConversionError) as info:
        qkformer2tpmm.convert(layout, source)
    assert dropped in str(info.value)
    assert 'stage4.0.attn.q_conv.weight' in str(info.value)


def test_custom_arch_dict_with_an_empty_stage():
    model = QKFormer(arch=dict(embed_dims=32, depths=(0, 1, 2), num_heads=(1, 2, 4),
                               mlp_ratio=2.0), T=1, out_type='pooled')
    assert model.num_prunable_blocks == 3
    with torch.no_grad():
        assert model(images(2, 16, 16))[0].shape == (2, 32)


def test_pruning_runs_one_pruning_stage_per_stage():
    model = randomize_(tiny(pruning=dict(type='IRToP', keep_ratio=0.5))).eval()
    with torch.no_grad():
        levels = model(images(2))
    records = model.pruner.last_records
    assert [r.block_index for r in records] == [0, 1, 2]
    # each stage prunes half of its own grid (stride 4 / 8 / 16)
    assert [r.kept_index.shape[1] for r in records] == [
        round(0.5 * level.shape[-2] * level.shape[-1]) for level in levels]


def test_pretrained_init_cfg_loads_a_converted_checkpoint(tmp_path):
    source = tiny()
    source.load_state_dict(qkformer2tpmm.convert(zoo_model().state_dict(), 'zoo'))
    assert_pretrained_init_loads(tiny, source, tmp_path)
