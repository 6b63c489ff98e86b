"""tpmm.SDTV2 (Meta-SpikeFormer): the published preset, the RepConv token path, the
block, checkpoint conversion (the shared backbone contract is in
test_backbone_contract.py)."""
import subprocess
import sys
from functools import partial

import pytest
import torch
from spikingjelly.activation_based import functional, neuron

from helpers.spiking_backbone_checks import CONVERTERS, neuron_states, randomize_
from tpmm.models.backbones.sdt_v2 import SDTV2
from tpmm.models.converters import sdt_v2 as sdt_v2_2tpmm
from tpmm.models.converters import state_dict_conversion as conversion
from tpmm.models.layers import MetaSpikeFormerBlock, RepConv, TokenCells, grid_positions
from tpmm.registry import MODELS

# the reference layout has fixed stage depths; small dims keep the test fast
REF_ARCH = dict(embed_dims=(16, 32, 32, 48), depths=(1, 2, 6, 2), num_heads=2, mlp_ratio=4)
lif = partial(neuron.LIFNode, tau=2.0, detach_reset=True, step_mode='m')


def images(batch=2, h=64, w=64, seed=1):
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def toy(**kwargs):
    kwargs.setdefault('T', 2)
    return randomize_(SDTV2(arch='tiny', **kwargs))


def test_smallest_published_preset_runs_at_32x32():
    model = SDTV2(arch='8-256', T=1, time_reduce='none').eval()
    with torch.no_grad():
        outs = model(images(1, 32, 32))
        pooled = model.pool(outs[-1])
    assert [tuple(o.shape) for o in outs] == [(1, 1, 64, 8, 8), (1, 1, 128, 4, 4),
                                              (1, 1, 256, 2, 2), (1, 1, 360, 1, 1)]
    assert tuple(pooled.shape) == (1, 360)


def test_reference_classifier_layout_keeps_stride_16():
    model = toy(T=1, last_stage_stride=1, time_reduce='none').eval()
    assert model.stride == 16
    with torch.no_grad():
        outs = model(images(2, 48, 32))
        pooled = model.pool(outs[-1])
    assert [tuple(o.shape[-2:]) for o in outs] == [(12, 8), (6, 4), (3, 2), (3, 2)]
    assert tuple(pooled.shape) == (2, 64)
    assert torch.equal(pooled, pooled.round())  # T=1: LIF spikes of the token mean
    assert torch.equal(outs[-1].flatten(3).mean(-1)[0] >= 2, pooled.bool())


def test_built_from_registry_with_custom_arch():
    model = MODELS.build(dict(type='SDTV2', T=1, arch=dict(
        embed_dims=[8, 16, 24, 32], depths=[1, 1, 1, 1], num_heads=4, mlp_ratio=2)))
    assert isinstance(model, SDTV2) and model.out_channels == [8, 16, 24, 32]
    assert model.stages[3][0].mlp.fc1_conv.out_channels == 64


def spike_grid(t, b, c, hw, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(t * b, c, *hw, generator=gen) < 0.4).float()


def test_rep_conv_on_tokens_treats_absent_tokens_as_silent():
    """``forward_tokens`` on a token subset at their grid cells equals the grid RepConv
    with the other tokens' inputs zeroed, in any token order; unplaced tokens (no grid
    cell of their own) equal the RepConv on a 1x1 grid."""
    torch.manual_seed(0)
    conv = randomize_(RepConv(6, 5)).eval()
    t, b, hw = 2, 3, (4, 5)
    grid = spike_grid(t, b, 6, hw)
    gen = torch.Generator().manual_seed(1)
    keep = torch.stack([torch.randperm(20, generator=gen)[:9] for _ in range(b)])  # [B, K]
    mask = torch.zeros(b, 20).scatter(1, keep, 1.0).repeat(t, 1)[:, None]
    positions = grid_positions(t, b, hw, grid.device).gather(
        -1, keep[None, :, None].expand(t, b, 2, 9))
    tokens = grid.flatten(2).gather(-1, keep.repeat(t, 1)[:, None].expand(t * b, 6, 9))
    with torch.no_grad():
        ref = conv((grid.flatten(2) * mask).reshape(grid.shape)).flatten(2)
        out = conv.forward_tokens(tokens, TokenCells(positions))
        expected = ref.gather(-1, keep.repeat(t, 1)[:, None].expand(t * b, 5, 9))
        assert torch.allclose(out, expected, atol=1e-5)
        merged = positions.clone()
        merged[:, :, :, :3] += 0.5  # averaged positions of merged tokens
        out = conv.forward_tokens(tokens, TokenCells(merged))
        alone = conv(tokens[..., :3].permute(0, 2, 1).reshape(-1, 6, 1, 1))
        assert torch.allclose(out[..., :3], alone.reshape(t * b, 3, 5).transpose(1, 2),
                              atol=1e-5)
        placed = torch.zeros(b, 20).scatter(1, keep[:, 3:], 1.0).repeat(t, 1)[:, None]
        ref = conv((grid.flatten(2) * placed).reshape(grid.shape)).flatten(2)
        expected = ref.gather(-1, keep.repeat(t, 1)[:, None].expand(t * b, 5, 9))
        assert torch.allclose(out[..., 3:], expected[..., 3:], atol=1e-5)


def test_block_tokenwise_is_the_grid_block_in_any_token_order():
    torch.manual_seed(0)
    block = randomize_(MetaSpikeFormerBlock(8, 2, 4, lif)).eval()
    hw = (4, 6)
    x = torch.randn(2, 2, 8, 24) * 2
    with torch.no_grad():
        functional.reset_net(block)
        mixed, side = block.mix(x, hw)
        full = block.tokenwise(mixed, **side)
        order = torch.randperm(24)
        functional.reset_net(block)
        mixed, side = block.mix(x, hw)
        shuffled = block.tokenwise(mixed[..., order], **{k: v[..., order] for k, v in side.items()})
    assert torch.equal(mixed, x)  # mix only computes side tensors
    assert set(side) == {'q', 'k', 'v', 'grid_pos'}
    assert torch.allclose(shuffled, full[..., order], atol=1e-5)


@pytest.mark.parametrize('training', [False, True])
def test_attention_received_is_stateless(training):
    torch.manual_seed(0)
    block = randomize_(MetaSpikeFormerBlock(8, 2, 4, lif)).train(training)
    x = torch.randn(2, 3, 8, 24) * 2
    functional.reset_net(block)
    block.mix(x, (4, 6))  # neurons now hold states
    buffers = {k: v.clone() for k, v in block.state_dict().items()}
    states = neuron_states(block)
    with torch.no_grad():
        scores = block.attention_received(x)
        subset_scores = block.attention_received(x[..., :7])  # any token set
    assert scores.shape == (3, 24) and subset_scores.shape == (3, 7)
    assert (scores >= 0).all() and torch.allclose(scores.sum(-1), torch.ones(3))
    assert scores.std() > 0
    for key, value in block.state_dict().items():
        assert torch.equal(value, buffers[key]), f'{key} changed'
    for key, value in neuron_states(block).items():
        assert torch.equal(value, states[key]) if torch.is_tensor(value) else value == states[key]


def official_state_dict(dims, depths=(1, 2, 6, 2), ratio=4, seed=0):
    """Random tensors under the BICLab/Spike-Driven-Transformer-V2 ``models.py`` keys
    (``Spiking_vit_MetaFormer`` with a 10-class head), written out from its modules."""
    gen = torch.Generator().manual_seed(seed)
    shapes = {}

    def bn(key, c):
        shapes.update({f'{key}.{f}': (c,) for f in
                       ('weight', 'bias', 'running_mean', 'running_var')})
        shapes[f'{key}.num_batches_tracked'] = None

    def downsample(key, c_in, c_out, k):
        shapes[f'{key}.encode_conv.weight'] = (c_out, c_in, k, k)
        shapes[f'{key}.encode_conv.bias'] = (c_out,)
        bn(f'{key}.encode_bn', c_out)

    def conv_block(key, c):
        shapes[f'{key}.Conv.pwconv1.weight'] = (2 * c, c, 1, 1)
        bn(f'{key}.Conv.bn1', 2 * c)
        shapes[f'{key}.Conv.dwconv.weight'] = (2 * c, 1, 7, 7)
        shapes[f'{key}.Conv.pwconv2.weight'] = (c, 2 * c, 1, 1)
        bn(f'{key}.Conv.bn2', c)
        shapes[f'{key}.conv1.weight'] = (ratio * c, c, 3, 3)
        bn(f'{key}.bn1', ratio * c)
        shapes[f'{key}.conv2.weight'] = (c, ratio * c, 3, 3)
        bn(f'{key}.bn2', c)

    def block(key, c):
        for name in ('q', 'k', 'v', 'proj'):
            rep = f'{key}.attn.{name}_conv.0.body'
            shapes[f'{rep}.0.weight'] = (c, c, 1, 1)
            bn(f'{rep}.1.bn', c)
            shapes[f'{rep}.2.0.weight'] = (c, 1, 3, 3)
            shapes[f'{rep}.2.1.weight'] = (c, c, 1, 1)
            bn(f'{rep}.2.2', c)
            bn(f'{key}.attn.{name}_conv.1', c)
        for n, (c_in, c_out) in ((1, (c, ratio * c)), (2, (ratio * c, c))):
            shapes[f'{key}.mlp.fc{n}_conv.weight'] = (c_out, c_in, 1)
            shapes[f'{key}.mlp.fc{n}_conv.bias'] = (c_out,)
            bn(f'{key}.mlp.fc{n}_bn', c_out)

    d0, d1, d2, d3 = dims
    downsample('downsample1_1', 3, d0 // 2, 7)
    conv_block('ConvBlock1_1.0', d0 // 2)
    downsample('downsample1_2', d0 // 2, d0, 3)
    for j in range(depths[0]):
        conv_block(f'ConvBlock1_2.{j}', d0)
    downsample('downsample2', d0, d1, 3)
    conv_block('ConvBlock2_1.0', d1)
    conv_block('ConvBlock2_2.0', d1)
    downsample('downsample3', d1, d2, 3)
    for j in range(depths[2]):
        block(f'block3.{j}', d2)
    downsample('downsample4', d2, d3, 3)
    for j in range(depths[3]):
        block(f'block4.{j}', d3)
    shapes.update({'head.weight': (10, d3), 'head.bias': (10,)})
    return {k: torch.randint(0, 100, (), generator=gen) if s is None
            else torch.rand(s, generator=gen) + 0.1 for k, s in shapes.items()}


def test_converter_maps_the_official_layout_and_pretrained_init_loads_it(tmp_path):
    official = official_state_dict(REF_ARCH['embed_dims'])
    converted = sdt_v2_2tpmm.convert({'model': official})
    model = SDTV2(arch=REF_ARCH, T=1)
    model.load_state_dict(converted, strict=True)
    state = model.state_dict()
    for ref_key, key in [
            ('block3.4.attn.proj_conv.0.body.2.0.weight', 'stages.2.4.attn.proj_conv.dw.weight'),
            ('block4.1.attn.k_conv.1.running_var', 'stages.3.1.attn.k_bn.running_var'),
            ('ConvBlock2_2.0.Conv.dwconv.weight', 'stages.1.1.sep_conv.dwconv.weight'),
            ('ConvBlock1_1.0.bn2.bias', 'stem_block.bn2.bias'),
            ('downsample4.encode_conv.bias', 'downsamples.3.conv.bias'),
            ('block3.0.mlp.fc2_conv.weight', 'stages.2.0.mlp.fc2_conv.weight')]:
        assert torch.equal(state[key], official[ref_key]), key
    assert len(converted) == len(official) - 2  # all but the head

    detector = {'state_dict': {**{f'backbone.{k}': v for k, v in official.items()},
                               'neck.lateral.weight': torch.ones(1)}}
    assert sdt_v2_2tpmm.convert(detector).keys() == converted.keys()

    path = tmp_path / 'sdt_v2_tpmm.pth'
    torch.save({'state_dict': converted}, path)
    pretrained = SDTV2(arch=REF_ARCH, T=1, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    pretrained.init_weights()
    for key, value in pretrained.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_converter_names_missing_and_unknown_keys():
    official = official_state_dict(REF_ARCH['embed_dims'])
    del official['block3.2.attn.v_conv.0.body.2.1.weight']
    official['block3.2.attn.talking_heads.weight'] = torch.ones(1)
    with pytest.raises(conversion.CheckpointConversionError,
                       match=r'missing keys: block3\.2\.attn\.v_conv\.0\.body\.2\.1\.weight.*'
                             r'unknown keys: block3\.2\.attn\.talking_heads\.weight'):
        sdt_v2_2tpmm.convert(official)


def test_converter_command_line(tmp_path):
    src, dst = tmp_path / 'official.pth', tmp_path / 'tpmm.pth'
    official = official_state_dict(REF_ARCH['embed_dims'])
    torch.save({'model': official, 'epoch': 3}, src)
    subprocess.run([sys.executable, f'{CONVERTERS}/sdt_v2_2tpmm.py', str(src), str(dst),
                    '--source', 'official'], check=True, capture_output=True)
    saved = torch.load(dst, weights_only=True)['state_dict']
    SDTV2(arch=REF_ARCH).load_state_dict(saved, strict=True)
    zoo = subprocess.run([sys.executable, f'{CONVERTERS}/sdt_v2_2tpmm.py', str(src),
                          str(dst), '--source', 'zoo'], capture_output=True, text=True)
    assert zoo.returncode != 0 and "invalid choice: 'zoo'" in zoo.stderr
