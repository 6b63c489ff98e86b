"""The contract every spiking backbone keeps, checked over one table of backbones:
presets, output shapes, gradients, state, the prunable-block protocol, the pruning
seam and named errors. Backbone-specific layers and converters are tested in
``test_<backbone>.py``."""
from functools import partial

import pytest
import torch
from spikingjelly.activation_based import functional

from helpers.spiking_backbone_checks import (assert_gradient_reaches, assert_no_state_leakage,
                                             assert_prunable_block, assert_pruning_seam,
                                             randomize_)
from tpmm.models.backbones.qkformer import QKFormer
from tpmm.models.backbones.sdt_v1 import SDTV1
from tpmm.models.backbones.sdt_v2 import SDTV2
from tpmm.models.backbones.sdt_v3 import SDTV3
from tpmm.models.backbones.spikformer import Spikformer
from tpmm.models.layers import (ESpikeFormerBlock, IntegerLIFNode, QKFormerDownsampleEmbed,
                                SDTPatchEmbed, SpikformerPatchEmbed)
from tpmm.registry import MODELS


def images(batch, h, w, seed=1):
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def small(cls, arch, randomize=False, **kwargs):
    """The smallest preset of ``cls`` at ``T=2`` unless given."""
    kwargs.setdefault('T', 2)
    model = cls(arch=arch, **kwargs)
    return randomize_(model) if randomize else model


spikformer = partial(small, Spikformer, 'tiny')
sdt_v1 = partial(small, SDTV1, 'tiny')
qkformer = partial(small, QKFormer, 'tiny')
sdt_v2 = partial(small, SDTV2, 'tiny', randomize=True)
sdt_v3 = partial(small, SDTV3, 'tiny', randomize=True)
PUBLISHED_M = {
    # published sizes (ImageNet classifier included) of Meta-SpikeFormer / E-SpikeFormer
    'SDTV2': {'8-256': 15.1, '8-384': 31.3, '8-512': 55.4},
    'SDTV3': {'s': 5.1, 'm': 10.0, 'l': 19.0},
}


# --- documented structure of each preset -------------------------------------------------

def single_stage_structure(model, arch, first_stem_channels):
    settings = type(model).arch_zoo[arch]
    c = settings['embed_dims']
    assert len(model.blocks) == settings['depth'] == model.num_prunable_blocks
    assert model.blocks[0].attn.num_heads == settings['num_heads']
    assert model.out_channels == [c] * 4 and model.stride == 32
    stage, ratio = first_stem_channels
    assert model.patch_embed.stages[stage].conv.out_channels == c // ratio


def qkformer_structure(model, arch):
    settings = QKFormer.arch_zoo[arch]
    c = settings['embed_dims']
    assert model.out_channels == [c // 4, c // 2, c] and model.stride == 16
    assert [len(s) for s in model.stages] == list(settings['depths'])
    assert model.num_prunable_blocks == sum(settings['depths'])
    heads = [stage[0].attn.num_heads for stage in model.stages if len(stage)]
    assert heads == list(settings['num_heads'])
    assert [stage[0].attention for stage in model.stages] == ['token_qk', 'token_qk', 'self']


def published_size(model, arch):
    settings = type(model).arch_zoo[arch]
    published = PUBLISHED_M[type(model).__name__]
    params = sum(p.numel() for p in model.parameters())
    assert model.out_channels == list(settings['embed_dims'])
    assert model.num_prunable_blocks == sum(settings['depths'][2:])
    if arch in published:  # + the 1000-class linear classifier of the paper
        total = (params + 1001 * model.out_channels[-1]) / 1e6
        assert abs(total - published[arch]) / published[arch] < 0.01, total


# --- the block loops without the pruner (the pruning seam's reference) -------------------

def spikformer_plain(model, x):
    x = model.patch_embed(x)
    t, b, c, h, w = x.shape
    tokens = x.flatten(3)
    for block in model.blocks:
        tokens = block.tokenwise(tokens)
    return model.pyramid(tokens.reshape(t, b, c, h, w))


def sdt_v1_plain(model, x):
    x = model.patch_embed(x)
    t, b, c, h, w = x.shape
    x = x.flatten(3).unsqueeze(-1)
    for block in model.blocks:
        x = block.mlp(block.attn(x))
    return model.pyramid(x.reshape(t, b, c, h, w))


def qkformer_plain(model, x):
    levels = []
    for embed, blocks in zip(model.patch_embeds, model.stages):
        x = embed(x)
        t, b, c, h, w = x.shape
        tokens = x.flatten(3)
        for block in blocks:
            tokens = block.tokenwise(tokens)
        x = tokens.reshape(t, b, c, h, w)
        levels.append(x)
    return levels


def sdt_plain(model, x):
    """SDT-V2 / V3: every block of stages 3-4 run as ``tokenwise(*mix(x))``."""
    functional.reset_net(model)
    x = model.stem_block(model.stem_conv(x))
    levels = []
    for i, (downsample, blocks) in enumerate(zip(model.downsamples, model.stages)):
        x = downsample(x)
        for block in blocks:
            if i < 2:
                x = block(x)
            else:
                t, b, c, h, w = x.shape
                tokens, side = block.mix(x.flatten(3), (h, w))
                x = block.tokenwise(tokens, **side).reshape(t, b, c, h, w)
        levels.append(x)
    return levels


# --- prunable blocks with their token inputs ---------------------------------------------

def first_block(build):
    model = randomize_(build(out_type='pooled'))
    x = model.patch_embed(model.to_sequence(images(2, 64, 64))).flatten(3)
    return [(model.blocks[0], x)]


def qkformer_blocks():
    model = randomize_(qkformer(out_type='pooled'))
    pairs = []
    for stage in (0, 2):
        x = model.to_sequence(images(2, 64, 64))
        for embed in model.patch_embeds[:stage + 1]:
            x = embed(x)
        pairs.append((model.stages[stage][0], x.flatten(3)))
    return pairs


def sdt_v3_blocks():
    torch.manual_seed(0)
    block = randomize_(ESpikeFormerBlock(8, 2, 4, partial(IntegerLIFNode, 4)))
    x = torch.randn(2, 3, 8, 24) * 2
    mixed, side = block.mix(x, (4, 6))
    assert side == {} and mixed.shape == x.shape and not torch.equal(mixed, x)
    return [(block, mixed.detach())]


#: One entry per backbone: what differs between them.
#: ``shapes``: (build kwargs, input (h, w), expected shapes for (T, batch), attributes);
#: ``paper``: a paper preset's kwargs, its smallest input and output shapes;
#: ``leakage``: (model, batch, (h, w)); ``seam``: (build, input size, plain block loop);
#: ``errors``: (kwargs, input (h, w) run through the built model or None, message).
BACKBONES = {
    'Spikformer': dict(
        cls=Spikformer, build=spikformer,
        structure=partial(single_stage_structure, first_stem_channels=(0, 8)),
        shapes=[
            (dict(out_type='featmap'), (64, 96),  # non-square, a multiple of the stride 32
             lambda T, b: [(b, 64, 64 // s, 96 // s) for s in (4, 8, 16, 32)], {}),
            (dict(out_type='featmap', out_indices=(1, 3), time_reduce='none',
                  pyramid_channels=(8, 16, 24, 32)), (64, 96),
             lambda T, b: [(T, b, 16, 8, 12), (T, b, 32, 2, 3)],
             dict(out_channels=[8, 16, 24, 32])),
            (dict(out_type='pooled'), (16, 48), lambda T, b: [(b, 64)], dict(stride=16))],
        paper=(dict(arch='8-384', T=1, out_type='featmap'), (32, 32),
               [(1, 384, 8, 8), (1, 384, 4, 4), (1, 384, 2, 2), (1, 384, 1, 1)]),
        gradient=lambda: (spikformer(out_type='featmap'), images(2, 64, 64)),
        first_weight=lambda model: model.patch_embed.stages[0].conv.weight,
        leakage=lambda: (randomize_(spikformer(out_type='featmap')), 2, (64, 64)),
        blocks=partial(first_block, spikformer),
        seam=(lambda **kw: randomize_(spikformer(out_type='featmap', **kw)), (2, 64, 64),
              spikformer_plain),
        errors=[
            (dict(arch='9-999'), None, r"arch='9-999'.*'8-384'"),
            (dict(arch=dict(embed_dims=64, depth=2, num_heads=2)), None,
             r"missing key\(s\) \['mlp_ratio'\]"),
            (dict(arch=dict(embed_dims=64, depth=2, num_heads=2, mlp_ratio=4, heads=2)), None,
             r"unknown key\(s\) \['heads'\]"),
            (dict(arch='tiny', out_indices=(0, 4)), None, 'out_indices entry 4'),
            (dict(arch='tiny', stem_pool='middle'), None, "stem_pool='middle'"),
            (dict(arch='tiny', T=2, out_type='featmap'), (48, 48),
             '48x48 is not divisible by the backbone stride 32')]),
    'SDTV1': dict(
        cls=SDTV1, build=sdt_v1,
        structure=partial(single_stage_structure, first_stem_channels=(3, 1)),
        shapes=[
            (dict(), (96, 64),  # non-square, a multiple of the stride 32
             lambda T, b: [(b, 64, 96 // s, 64 // s) for s in (4, 8, 16, 32)], {}),
            (dict(out_indices=(0, 2), time_reduce='none'), (96, 64),
             lambda T, b: [(T, b, 64, 24, 16), (T, b, 64, 6, 4)], {}),
            (dict(out_type='pooled'), (48, 16), lambda T, b: [(b, 64)],
             dict(stride=16, out_channels=[64]))],
        paper=(dict(arch='8-384', T=1, out_type='pooled'), (16, 16), [(1, 384)]),
        gradient=lambda: (sdt_v1(), images(2, 64, 64)),
        first_weight=lambda model: model.patch_embed.stages[0].conv.weight,
        leakage=lambda: (randomize_(sdt_v1(out_type='pooled')), 2, (64, 64)),
        blocks=partial(first_block, sdt_v1),
        seam=(lambda **kw: randomize_(sdt_v1(**kw)), (2, 64, 64), sdt_v1_plain),
        errors=[
            (dict(arch='8-1024'), None, r"arch='8-1024'.*'8-384'"),
            (dict(arch=dict(embed_dims=64, mlp_ratio=4)), None,
             r"missing key\(s\) \['depth', 'num_heads'\]"),
            (dict(arch=dict(embed_dims=64, depth=0, num_heads=2, mlp_ratio=4)), None,
             'depth=0'),
            (dict(arch=dict(embed_dims=60, depth=1, num_heads=2, mlp_ratio=4)), None,
             'embed_dims must be a multiple of 8, got 60'),
            (dict(arch='tiny', out_indices=(-1, )), None, 'out_indices entry -1'),
            (dict(arch='tiny', T=2), (40, 64),
             '40x64 is not divisible by the backbone stride 32'),
            (dict(arch='tiny', T=2, out_type='pooled'), (24, 24),
             '24x24 is not divisible by the backbone stride 16')]),
    'QKFormer': dict(
        cls=QKFormer, build=qkformer, structure=qkformer_structure,
        shapes=[
            (dict(), (32, 48),  # non-square, a multiple of the stride 16
             lambda T, b: [(b, 16, 8, 12), (b, 32, 4, 6), (b, 64, 2, 3)], {}),
            (dict(out_indices=(2, ), time_reduce='none'), (32, 48),
             lambda T, b: [(T, b, 64, 2, 3)], {}),
            (dict(out_type='pooled'), (16, 32), lambda T, b: [(b, 64)], {})],
        paper=(dict(arch='10-384', T=1), (16, 16),
               [(1, 96, 4, 4), (1, 192, 2, 2), (1, 384, 1, 1)]),
        gradient=lambda: (qkformer(), images(2, 64, 64)),
        first_weight=lambda model: model.patch_embeds[0].conv1.weight,
        leakage=lambda: (randomize_(qkformer()), 2, (64, 64)),
        blocks=qkformer_blocks,
        seam=(lambda **kw: randomize_(qkformer(**kw)), (2, 64, 64), qkformer_plain),
        errors=[
            (dict(arch='10-256'), None, r"arch='10-256'.*'10-384'"),
            (dict(arch=dict(embed_dims=64, num_heads=(2, 2, 2), mlp_ratio=4)), None,
             r"missing key\(s\) \['depths'\]"),
            (dict(arch=dict(embed_dims=64, depths=(1, 1), num_heads=(2, 2, 2), mlp_ratio=4)),
             None, r'depths=\(1, 1\)'),
            (dict(arch=dict(embed_dims=64, depths=(1, -1, 1), num_heads=(2, 2, 2),
                            mlp_ratio=4)), None, r'depths=\(1, -1, 1\)'),
            (dict(arch='tiny', out_indices=(0, 3)), None, 'out_indices entry 3'),
            (dict(arch='tiny', T=2), (40, 40),
             '40x40 is not divisible by the backbone stride 16')]),
    'SDTV2': dict(
        cls=SDTV2, build=sdt_v2,
        structure=published_size,
        shapes=[
            (dict(), (64, 64), lambda T, b: [
                (b, c, 64 // s, 64 // s) for c, s in zip((16, 32, 64, 64), (4, 8, 16, 32))],
             {}),
            (dict(time_reduce='none', out_indices=(1, 3)), (32, 96),
             lambda T, b: [(T, b, 32, 4, 12), (T, b, 64, 1, 3)], {})],
        gradient=lambda: (sdt_v2(), images(2, 32, 32)),
        first_weight=lambda model: model.stem_conv.conv.weight,
        leakage=lambda: (sdt_v2(), 1, (32, 32)),
        seam=(sdt_v2, (2, 64, 32), sdt_plain),
        errors=[
            (dict(arch='8-1024'), None, r"arch='8-1024'.*'8-256', '8-384', '8-512', 'tiny'"),
            (dict(arch=dict(embed_dims=(8, 16, 32, 32), depths=(1, 1, 1, 1))), None,
             r"missing key\(s\) \['mlp_ratio', 'num_heads'\]"),
            (dict(arch=dict(embed_dims=(8, 16, 30, 32), depths=(1, 1, 1, 1), num_heads=4,
                            mlp_ratio=4)), None, r'num_heads .* \(30, 32\), got 4'),
            (dict(arch=dict(embed_dims=(9, 16, 32, 32), depths=(1, 1, 1, 1), num_heads=4,
                            mlp_ratio=4)), None, r'embed_dims .* got \(9, 16, 32, 32\)'),
            (dict(arch='tiny', out_indices=(0, 4)), None, r'out_indices entry 4'),
            (dict(arch='tiny', last_stage_stride=3), None, r'last_stage_stride=3|got 3'),
            (dict(arch='tiny', T=1), (48, 64), r'48x64 .* stride 32')]),
    'SDTV3': dict(
        cls=SDTV3, build=sdt_v3,
        structure=published_size,
        shapes=[
            (dict(), (64, 64), lambda T, b: [
                (b, c, 64 // s, 64 // s) for c, s in zip((16, 32, 64, 64), (4, 8, 16, 32))],
             {}),
            (dict(time_reduce='none', out_indices=(0, 2)), (96, 32),
             lambda T, b: [(T, b, 16, 24, 8), (T, b, 64, 6, 2)], {})],
        gradient=None,  # tested with the I-LIF spike counts in test_sdt_v3.py
        leakage=lambda: (sdt_v3(), 1, (32, 32)),
        blocks=sdt_v3_blocks,
        seam=(sdt_v3, (1, 64, 32), sdt_plain),
        errors=[
            (dict(arch='xl'), None, r"arch='xl'.*'l', 'm', 's', 't', 'tiny'"),
            (dict(arch=dict(embed_dims=(8, 16, 32, 32), num_heads=4, mlp_ratio=4)), None,
             r"missing key\(s\) \['depths'\]"),
            (dict(arch=dict(embed_dims=(8, 16, 32, 32), depths=(1, 1, 0, 1), num_heads=4,
                            mlp_ratio=4)), None, r'depths .* got \(1, 1, 0, 1\)'),
            (dict(arch='tiny', max_spike=0), None, r'max_spike=0'),
            (dict(arch='tiny', out_indices=(-1, )), None, r'out_indices entry -1'),
            (dict(arch='tiny'), (64, 40), r'64x40 .* stride 32')]),
}


def having(field):
    return [name for name, spec in BACKBONES.items() if spec.get(field)]


@pytest.mark.parametrize('name,arch', [(name, arch) for name, spec in BACKBONES.items()
                                       for arch in sorted(spec['cls'].arch_zoo)])
def test_every_preset_builds_with_documented_structure(name, arch):
    spec = BACKBONES[name]
    with torch.device('meta'):
        model = MODELS.build(dict(type=name, arch=arch))
    assert isinstance(model, spec['cls'])
    spec['structure'](model, arch)


@pytest.mark.parametrize('T,batch', [(1, 1), (2, 3)])
@pytest.mark.parametrize('name', list(BACKBONES))
def test_featmap_and_pooled_shapes(name, T, batch):
    for kwargs, (h, w), shapes, attributes in BACKBONES[name]['shapes']:
        model = BACKBONES[name]['build'](T=T, **kwargs).eval()
        for attribute, value in attributes.items():
            assert getattr(model, attribute) == value, attribute
        with torch.no_grad():
            outs = model(images(batch, h, w))
        assert [tuple(o.shape) for o in outs] == shapes(T, batch), kwargs


@pytest.mark.parametrize('name', having('paper'))
def test_paper_preset_forward_at_smallest_input(name):
    kwargs, (h, w), shapes = BACKBONES[name]['paper']
    model = BACKBONES[name]['cls'](**kwargs).eval()
    with torch.no_grad():
        outs = model(images(1, h, w))
    assert [tuple(o.shape) for o in outs] == shapes


@pytest.mark.parametrize('name', having('gradient'))
def test_gradients_reach_the_first_layer(name):
    model, x = BACKBONES[name]['gradient']()
    assert_gradient_reaches(model, BACKBONES[name]['first_weight'](model), x)


@pytest.mark.parametrize('name', list(BACKBONES))
def test_no_state_leakage(name):
    model, batch, (h, w) = BACKBONES[name]['leakage']()
    assert_no_state_leakage(model, images(batch, h, w, seed=1), images(batch, h, w, seed=2))


@pytest.mark.parametrize('name', having('blocks'))
def test_blocks_follow_the_prunable_block_protocol(name):
    for block, x in BACKBONES[name]['blocks']():
        assert_prunable_block(block, x)


@pytest.mark.parametrize('name', list(BACKBONES))
def test_pruning_seam(name):
    build, size, plain = BACKBONES[name]['seam']
    assert_pruning_seam(build, images(*size), plain)


@pytest.mark.parametrize('name,kwargs,size,match', [
    (name, *case) for name, spec in BACKBONES.items() for case in spec['errors']])
def test_errors_name_the_bad_value(name, kwargs, size, match):
    cls = BACKBONES[name]['cls']
    if size is None:
        with pytest.raises(ValueError, match=match):
            cls(**kwargs)
    else:
        model = cls(**kwargs)
        with pytest.raises(ValueError, match=match):
            model(images(1, *size))


# --- the stride-8 classification preset ---------------------------------------------------

STRIDE_8_CASES = {
    # backbone, pooled kwargs, every prunable block's grid at 112 px (224 px at stride 16
    # gives the same grid to the last stage)
    'Spikformer': (spikformer, {}, [(14, 14)] * 2),
    'Spikformer-before_spike': (spikformer, dict(stem_pool='before_spike'), [(14, 14)] * 2),
    'SDTV1': (sdt_v1, {}, [(14, 14)] * 2),
    'QKFormer': (qkformer, {}, [(28, 28), (14, 14), (14, 14)]),
    'SDTV2': (sdt_v2, dict(last_stage_stride=1), [(14, 14)] * 3),
    'SDTV2-last_stage_stride_2': (sdt_v2, {}, [(14, 14)] * 2 + [(7, 7)]),
    'SDTV3': (sdt_v3, dict(last_stage_stride=1), [(14, 14)] * 3),
}


def block_grids(model):
    return [record.hw for record in sorted(model.pruner.last_records,
                                           key=lambda record: record.block_index)]


@pytest.mark.parametrize('name', list(STRIDE_8_CASES))
def test_token_stride_8_gives_the_stride_16_grid_from_half_the_side(name):
    build, kwargs, grids = STRIDE_8_CASES[name]
    pruning = dict(type='IRToP', keep_ratio=0.5)
    paper = build(out_type='pooled', pruning=pruning, **kwargs).eval()
    preset = build(out_type='pooled', token_stride=8, pruning=pruning, **kwargs).eval()
    # same parameters and buffers: a stride-16 checkpoint loads strictly
    preset.load_state_dict(paper.state_dict(), strict=True)
    assert preset.stride == paper.stride // 2
    with torch.no_grad():
        (pooled, ) = preset(images(2, 112, 112))
        paper(images(2, 224, 224))
    assert pooled.shape == (2, preset.out_channels[-1])
    assert block_grids(preset) == grids
    assert block_grids(paper)[-1] == grids[-1]


def test_sdt_v1_stride_8_stem_is_the_stride_16_stem_without_its_last_max_pool():
    paper, preset = sdt_v1(out_type='pooled').eval(), sdt_v1(out_type='pooled', token_stride=8)
    preset.load_state_dict(paper.state_dict())
    preset.eval()
    x = paper.to_sequence(images(2, 64, 64))
    with torch.no_grad():
        full = paper.patch_embed.stages(x)  # stage 3 ends in conv-BN-pool, no neuron
        functional.reset_net(paper)
        unpooled = preset.patch_embed.stages(x)
    pooled = torch.nn.functional.max_pool2d(unpooled.flatten(0, 1), 3, stride=2, padding=1)
    assert torch.equal(full, pooled.reshape(full.shape))


def test_qkformer_stride_8_keeps_stage_2_grid_in_stage_3_embedding():
    embed = qkformer(out_type='pooled', token_stride=8).patch_embeds[2]
    assert isinstance(embed.pool, torch.nn.Identity)
    assert embed.shortcut[0].stride == (1, 1)


@pytest.mark.parametrize('name', ['Spikformer', 'SDTV1', 'QKFormer', 'SDTV2', 'SDTV3'])
@pytest.mark.parametrize('kwargs,match', [
    (dict(token_stride=4, out_type='pooled'), r'token_stride must be 16 or 8, got token_stride=4'),
    (dict(token_stride=8, out_type='featmap'),
     r"token_stride=8 is a classification preset and needs out_type='pooled'")])
def test_token_stride_errors_name_the_key(name, kwargs, match):
    build, extra, _ = STRIDE_8_CASES[name]
    with pytest.raises(ValueError, match=match):
        build(**kwargs, **extra)


@pytest.mark.parametrize('layer,stride,match', [
    (lambda s: SDTPatchEmbed(3, 16, s), 32, 'SDTPatchEmbed: stride must be 16 or 8'),
    (lambda s: SpikformerPatchEmbed(3, 16, 'after_spike', s), 4,
     'SpikformerPatchEmbed: stride must be 16 or 8'),
    (lambda s: QKFormerDownsampleEmbed(8, 16, s), 3,
     'QKFormerDownsampleEmbed: stride must be 2 or 1')])
def test_patch_embeddings_refuse_other_strides(layer, stride, match):
    with pytest.raises(ValueError, match=match):
        layer(stride)
