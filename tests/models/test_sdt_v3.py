"""tpmm.SDTV3 (E-SpikeFormer): the I-LIF neuron and its binary-spike inference, the
published preset, checkpoint conversion (the shared backbone contract is in
test_backbone_contract.py)."""
from functools import partial

import pytest
import torch
from spikingjelly.activation_based import functional

from helpers.spiking_backbone_checks import assert_gradient_reaches, randomize_
from tpmm.models.backbones.sdt_v3 import SDTV3
from tpmm.models.converters import sdt_v3 as sdt_v3_2tpmm
from tpmm.models.converters import state_dict_conversion as conversion
from tpmm.models.layers import IntegerLIFNode
from tpmm.registry import MODELS

REF_ARCH = dict(embed_dims=(16, 32, 32, 48), depths=(1, 2, 6, 2), num_heads=2, mlp_ratio=4)


def images(batch=2, h=64, w=64, seed=1):
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def toy(**kwargs):
    kwargs.setdefault('T', 2)
    return randomize_(SDTV3(arch='tiny', **kwargs))


@pytest.mark.parametrize('max_spike', [4, 2])
def test_neuron_fires_integer_spikes_up_to_max_spike(max_spike):
    node = IntegerLIFNode(max_spike).train()
    x = torch.linspace(-2, max_spike + 2, 57).reshape(1, 3, 19).requires_grad_()
    out = node(x)
    counts = out * max_spike
    assert torch.equal(counts, counts.round()) and counts.min() == 0
    assert counts.max() == max_spike
    assert torch.equal(counts, torch.clamp(torch.round(x.detach()), 0, max_spike))  # T=1
    out.sum().backward()  # straight-through inside [0, D], zero outside
    inside = (x.detach() >= 0) & (x.detach() <= max_spike)
    assert torch.equal(x.grad != 0, inside)
    raw = IntegerLIFNode(max_spike, normalize=False)
    assert torch.equal(raw(x.detach()), counts)


def test_neuron_carries_membrane_over_time():
    """Soft reset with decay ``1 - 1/tau`` (0.25): a sub-threshold drive of 0.45 fires
    nothing at once but 0.45 + 0.25 * 0.45 rounds to one spike at the next step."""
    node = IntegerLIFNode(4, normalize=False)
    assert node(torch.tensor([[0.45], [0.45]])).flatten().tolist() == [0.0, 1.0]


def test_binary_spike_inference_gives_the_same_values():
    """Each integer spike is D binary spikes on virtual timesteps; a layer of the
    backbone on those binary spikes, summed back per timestep, gives its response to
    the integer spikes (the bias added once)."""
    model = toy(T=2).eval()
    layer = model.downsamples[1]  # I-LIF -> 3x3/2 conv with bias -> BN
    node = layer.neuron
    x = torch.randn(2, 1, 16, 8, 8, generator=torch.Generator().manual_seed(0)) * 3
    with torch.no_grad():
        functional.reset_net(model)
        spikes = node(x)
        binary = node.binary_spikes(spikes)
        assert binary.shape == (2 * 4, 1, 16, 8, 8)
        assert set(binary.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(node.from_binary_spikes(binary), spikes)
        weight_only = partial(torch.nn.functional.conv2d, weight=layer.conv.weight,
                              stride=2, padding=1)
        events = weight_only(binary.flatten(0, 1)).reshape(8, 1, 32, 4, 4)
        driven = node.from_binary_spikes(events) + layer.conv.bias.view(1, 1, -1, 1, 1)
        direct = layer.conv(spikes.flatten(0, 1)).reshape(2, 1, 32, 4, 4)
        assert torch.allclose(driven, direct, atol=1e-5)
        functional.reset_net(model)
        assert torch.allclose(layer.bn(driven.flatten(0, 1)), layer(x).flatten(0, 1),
                              atol=1e-5)


def test_backbone_neurons_fire_integer_spikes_in_training_and_gradients_flow():
    model = toy(T=2, max_spike=3)
    outputs = []
    for module in model.modules():
        if isinstance(module, IntegerLIFNode):
            assert module.max_spike == 3
            module.register_forward_hook(lambda m, i, o: outputs.append(o.detach() * 3))
    assert_gradient_reaches(model, model.stem_conv.conv.weight, images(2, 32, 32))
    assert len(outputs) > 40
    for counts in outputs:
        assert torch.equal(counts, counts.round())
        assert counts.min() >= 0 and counts.max() <= 3
    assert max(c.max() for c in outputs) == 3 and sum(c.sum() for c in outputs) > 0


def test_smallest_published_preset_runs_at_32x32_and_pools():
    model = SDTV3(arch='s', last_stage_stride=1, out_type='pooled').eval()
    assert model.stride == 16
    with torch.no_grad():
        pooled = model(images(1, 32, 32))[0]
    assert tuple(pooled.shape) == (1, 192)
    assert torch.equal(pooled, pooled.round()) and pooled.max() <= 4  # counts, T=1


def test_built_from_registry_with_custom_arch():
    model = MODELS.build(dict(type='SDTV3', max_spike=8, arch=dict(
        embed_dims=[8, 16, 24, 32], depths=[1, 1, 1, 2], num_heads=4, mlp_ratio=2)))
    assert isinstance(model, SDTV3) and model.num_prunable_blocks == 3
    assert model.stages[3][1].attn.v_conv.out_channels == 128  # 4 C
    assert model.pool_neuron.max_spike == 8


def official_state_dict(dims, depths=(1, 2, 6, 2), ratio=4, seed=0):
    """Random tensors under the BICLab/Spike-Driven-Transformer-V3 Model_Base keys
    (``Spiking_vit_MetaFormer_Spike_SepConv`` with a 10-class head)."""
    gen = torch.Generator().manual_seed(seed)
    shapes = {}

    def bn(key, c):
        shapes.update({f'{key}.{f}': (c,) for f in
                       ('weight', 'bias', 'running_mean', 'running_var')})
        shapes[f'{key}.num_batches_tracked'] = None

    def conv_bn(key, c_out, c_in, k, groups=1):
        shapes[f'{key}.0.weight'] = (c_out, c_in // groups, k, k)
        bn(f'{key}.1', c_out)

    def downsample(key, c_in, c_out, k):
        shapes[f'{key}.encode_conv.weight'] = (c_out, c_in, k, k)
        shapes[f'{key}.encode_conv.bias'] = (c_out,)
        bn(f'{key}.encode_bn', c_out)

    def sep_conv(key, c, k):
        conv_bn(f'{key}.pwconv1', 2 * c, c, 1)
        conv_bn(f'{key}.dwconv', 2 * c, 2 * c, k, groups=2 * c)
        conv_bn(f'{key}.pwconv2', c, 2 * c, 1)

    def conv_block(key, c):
        sep_conv(f'{key}.Conv', c, 7)
        shapes[f'{key}.conv1.weight'] = (ratio * c, c, 3, 3)
        bn(f'{key}.bn1', ratio * c)
        shapes[f'{key}.conv2.weight'] = (c, ratio * c, 3, 3)
        bn(f'{key}.bn2', c)

    def block(key, c):
        sep_conv(f'{key}.conv', c, 3)
        for name, c_out, c_in in (('q', c, c), ('k', c, c), ('v', 4 * c, c),
                                  ('proj', c, 4 * c)):
            conv_bn(f'{key}.attn.{name}_conv', c_out, c_in, 1)
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
    converted = sdt_v3_2tpmm.convert({'state_dict': official})
    model = SDTV3(arch=REF_ARCH)
    model.load_state_dict(converted, strict=True)
    state = model.state_dict()
    for ref_key, key in [
            ('block3.5.conv.dwconv.1.running_mean', 'stages.2.5.sep_conv.dw_bn.running_mean'),
            ('block4.0.attn.v_conv.0.weight', 'stages.3.0.attn.v_conv.weight'),
            ('block4.1.attn.proj_conv.1.weight', 'stages.3.1.attn.proj_bn.weight'),
            ('ConvBlock1_2.0.Conv.pwconv2.1.bias', 'stages.0.0.sep_conv.bn2.bias'),
            ('ConvBlock2_1.0.conv1.weight', 'stages.1.0.conv1.weight'),
            ('downsample1_1.encode_bn.running_var', 'stem_conv.bn.running_var')]:
        assert torch.equal(state[key], official[ref_key]), key
    assert len(converted) == len(official) - 2  # all but the head

    path = tmp_path / 'sdt_v3_tpmm.pth'
    torch.save({'state_dict': converted}, path)
    pretrained = SDTV3(arch=REF_ARCH, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    pretrained.init_weights()
    for key, value in pretrained.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_converter_names_missing_and_unknown_keys():
    official = official_state_dict(REF_ARCH['embed_dims'])
    del official['block4.1.mlp.fc1_bn.running_var']
    official['block4.1.rep_conv.conv1.0.weight'] = torch.ones(1)  # a Model_Large key
    with pytest.raises(conversion.CheckpointConversionError,
                       match=r'missing keys: block4\.1\.mlp\.fc1_bn\.running_var.*'
                             r'unknown keys: block4\.1\.rep_conv\.conv1\.0\.weight'):
        sdt_v3_2tpmm.convert({'model': official})
