"""FrameReusePruner and FrameReuseHook on a toy prunable backbone. Tokens: [T, B, C, N]."""
from types import SimpleNamespace

import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from spikingjelly.activation_based import functional, neuron
from torch import nn

import tpmm.tracking  # noqa: F401  (registers FrameReusePruner / FrameReuseHook)
from tpmm.pruning import PrunableBlock, build_pruner
from tpmm.tracking import FrameReuseHook, FrameReusePruner, batch_frame_id

HW = (4, 4)
IRTOP = dict(type='IRToP', keep_ratio=0.5)


class ToyBlock(PrunableBlock):
    """``mix``: 3x3 depthwise conv on the grid; ``tokenwise``: ``x + LIF(W x + shift)``,
    each token on its own (so selected tokens equal the unpruned block's output)."""

    def __init__(self, channels):
        super().__init__()
        self.dw = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)
        self.proj = nn.Linear(channels, channels)
        self.lif = neuron.LIFNode(tau=2.0, v_threshold=0.5, step_mode='m')

    def mix(self, x, hw):
        t, b, c, n = x.shape
        shift = self.dw(x.reshape(t * b, c, *hw)).reshape(t, b, c, n)
        return x + shift, dict(shift=shift)

    def tokenwise(self, x, shift):
        return x + self.lif(self.proj(x.transpose(-1, -2)).transpose(-1, -2) + shift)


class ToyBackbone(nn.Module):
    """Two stages of prunable blocks driven through the pruning seam."""

    def __init__(self, pruning, stages=(2, 1), channels=4):
        super().__init__()
        torch.manual_seed(0)
        self.stages = stages
        self.blocks = nn.ModuleList(ToyBlock(channels) for _ in range(sum(stages)))
        self.pruner = build_pruner(pruning, num_blocks=sum(stages))
        self.eval()

    def forward(self, x):
        functional.reset_net(self)
        self.pruner.start_forward()
        index = 0
        for depth in self.stages:
            ctx = self.pruner.begin(x, HW)
            for _ in range(depth):
                x = self.pruner.run(index, self.blocks[index], x, ctx)
                index += 1
            x = self.pruner.end(x, ctx)
        return x


def frame(seed, batch=1):
    """Random spikes ``[2, batch, 4, 16]``."""
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(2, batch, 4, 16, generator=gen) < 0.4).float()


def reuse_pair(refresh_interval=None, inner=IRTOP):
    """A reusing backbone and a plain IRToP backbone with the same weights."""
    reuse = ToyBackbone(dict(type='FrameReusePruner', pruner=inner,
                             refresh_interval=refresh_interval))
    return reuse, ToyBackbone(inner)


def records(model):
    return [(index, kept.tolist()) for index, _, kept in model.pruner.last_records]


def count_scoring(pruner, monkeypatch):
    """Count calls of the inner pruner's scorer."""
    calls = []
    scorer = pruner.inner.scorer
    original = scorer.forward
    monkeypatch.setattr(scorer, 'forward', lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_frame_zero_equals_the_inner_pruner():
    reuse, plain = reuse_pair()
    reuse.pruner.start_frame(0)
    x = frame(1, batch=2)
    assert torch.equal(reuse(x), plain(x))
    assert records(reuse) == records(plain) and len(records(plain)) == 3
    assert reuse.pruner.last_mode == 'score'


def test_next_frames_reuse_the_key_frame_selection_without_scoring(monkeypatch):
    reuse, plain = reuse_pair()
    calls = count_scoring(reuse.pruner, monkeypatch)
    reuse.pruner.start_frame(0)
    reuse(frame(1))
    key_records = records(reuse)
    assert len(calls) == 3
    for frame_id, seed in ((1, 2), (2, 3)):
        reuse.pruner.start_frame(frame_id)
        x = frame(seed)
        out = reuse(x)
        assert reuse.pruner.last_mode == 'reuse'
        assert records(reuse) == key_records
        assert len(calls) == 3  # no scoring on reused frames
        plain(x)
        assert records(plain) != key_records  # scoring this frame would pick others
    # the replay is IRToP's reassembly with the stored tokens: with one block, the
    # kept tokens equal the unpruned block (per-token tokenwise), the others its mix
    single = ToyBackbone(dict(type='FrameReusePruner', pruner=IRTOP), stages=(1, ))
    single.pruner.start_frame(0)
    single(frame(1))
    (_, _, kept), = single.pruner.last_records
    single.pruner.start_frame(1)
    x = frame(2)
    out = single(x)
    functional.reset_net(single)
    block = single.blocks[0]
    mixed, side = block.mix(x, HW)
    full = block.tokenwise(mixed, **side)
    selected = torch.zeros(1, 16, dtype=torch.bool).scatter(1, kept, True)
    assert torch.equal(out[..., selected[0]], full[..., selected[0]])
    assert torch.equal(out[..., ~selected[0]], mixed[..., ~selected[0]])


def test_a_new_video_is_scored_again():
    reuse, plain = reuse_pair()
    for frame_id, seed in ((0, 1), (1, 2), (0, 5)):
        reuse.pruner.start_frame(frame_id)
        reuse(frame(seed))
    assert reuse.pruner.last_mode == 'score'
    x = frame(5)
    plain(x)
    assert records(reuse) == records(plain)


@pytest.mark.parametrize('refresh_interval, modes', [
    (None, ['score', 'reuse', 'reuse', 'reuse', 'reuse']),
    (2, ['score', 'reuse', 'score', 'reuse', 'score']),
    (1, ['score'] * 5),
])
def test_frames_after_a_notification_count_on(refresh_interval, modes):
    # video-based sampling: one notification (frame 0), then one forward per frame
    reuse, _ = reuse_pair(refresh_interval)
    reuse.pruner.start_frame(0)
    seen = []
    for seed in range(5):
        reuse(frame(seed))
        seen.append(reuse.pruner.last_mode)
    assert seen == modes


def test_without_frame_ids_every_forward_is_scored():
    reuse, plain = reuse_pair()
    with pytest.warns(UserWarning, match='FrameReuseHook'):
        reuse(frame(1))
    x = frame(2)
    assert torch.equal(reuse(x), plain(x))
    assert reuse.pruner.last_mode == 'score'
    reuse.pruner.start_frame(None)  # a lone image: scored
    reuse(frame(3))
    assert reuse.pruner.last_mode == 'score'


def test_training_runs_the_inner_pruner():
    reuse, plain = reuse_pair()
    reuse.train()
    plain.train()
    reuse.pruner.start_frame(0)
    reuse(frame(1))
    reuse.pruner.start_frame(1)
    x = frame(2)
    assert torch.equal(reuse(x), plain(x))
    assert reuse.pruner.last_mode == 'train' and records(reuse) == records(plain)


def test_frame_size_change_within_a_video_is_reported():
    reuse, _ = reuse_pair()
    reuse.pruner.start_frame(0)
    reuse(frame(1))
    reuse.pruner.start_frame(1)
    with pytest.raises(ValueError, match='same size'):
        reuse(frame(2, batch=2))


def test_bad_configs_are_reported():
    with pytest.raises(TypeError, match='EViTPruner'):
        FrameReusePruner(pruner=dict(type='EViTPruner', keep_ratio=0.5), num_blocks=2)
    with pytest.raises(ValueError, match='refresh_interval=0'):
        FrameReusePruner(pruner=IRTOP, refresh_interval=0, num_blocks=2)
    with pytest.raises(ValueError, match='frame_id'):
        FrameReusePruner(pruner=IRTOP, num_blocks=2).start_frame(-1)


def track_sample(frame_id):
    sample = TrackDataSample()
    sample.video_data_samples = [DetDataSample(metainfo=dict(frame_id=frame_id))]
    return sample


def test_hook_passes_frame_ids_to_the_pruners():
    assert batch_frame_id(dict(data_samples=[track_sample(3)])) == 3
    assert batch_frame_id(dict(data_samples=[DetDataSample(metainfo=dict(frame_id=2))])) == 2
    assert batch_frame_id(dict(data_samples=[DetDataSample()])) is None
    assert batch_frame_id(dict(data_samples=[track_sample(0), track_sample(1)])) is None

    reuse, _ = reuse_pair()
    hook = FrameReuseHook()
    runner = SimpleNamespace(model=nn.Sequential(reuse))
    hook.before_test_epoch(runner)
    assert hook.pruners == [reuse.pruner]
    modes = []
    for frame_id in (0, 1, 2, 0, 1):
        hook.before_test_iter(runner, 0, dict(data_samples=[track_sample(frame_id)]))
        reuse(frame(frame_id + 10))
        modes.append(reuse.pruner.last_mode)
    assert modes == ['score', 'reuse', 'reuse', 'score', 'reuse']
