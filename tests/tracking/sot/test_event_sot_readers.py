"""The FE108 / VisEvent / FELT readers on files written in each release layout, the
'events' representation against the stacks, and the oracle tracker's OPE scores."""
import numpy as np
import pytest
from PIL import Image

from tpmm.evaluation import SOTMetric
from tpmm.registry import DATASETS

TEST_PIPELINE = [dict(type='LoadEventFrames'), dict(type='PackSOTInputs')]


def write_sequence(seq_dir, gt_name, gt_text, first_frame, num_frames, num_bins, rng):
    """Stacks ``inter<T>_stack_3008/<n:04d>_<b>.png`` and a ground-truth file; returns
    the images ``[num_frames, num_bins, H, W, 3]``."""
    stack = seq_dir / f'inter{num_bins}_stack_3008'
    stack.mkdir(parents=True)
    (seq_dir / gt_name).write_text(gt_text)
    images = rng.integers(0, 256, size=(num_frames, num_bins, 6, 8, 3), dtype=np.uint8)
    for i in range(num_frames):
        for b in range(num_bins):
            Image.fromarray(images[i, b]).save(stack / f'{i + first_frame:04d}_{b + 1}.png')
    return images


@pytest.mark.parametrize('dataset_type, gt_name, first_frame, gt_text, name', [
    ('FE108Dataset', 'groundtruth_rect.txt', 1, '1,2,3,4\n5,6,7,8\n', 'airplane'),
    ('VisEventDataset', 'groundtruth.txt', 0, '1 2 3 4\n5 6 7 8\n', '00141_tank_outdoor2'),
    ('FELTDataset', 'groundtruth.txt', 0, '1\t2\t3\t4\n5\t6\t7\t8\n',
     'dvSave-2022_10_11_19_43_03'),
])
def test_reader_on_each_release_layout(tmp_path, dataset_type, gt_name, first_frame,
                                       gt_text, name):
    images = write_sequence(tmp_path / 'test' / name, gt_name, gt_text, first_frame, 2, 2,
                            np.random.default_rng(0))
    dataset = DATASETS.build(dict(type=dataset_type, data_root=str(tmp_path), split='test',
                                  num_bins=2, test_mode=True, pipeline=TEST_PIPELINE))
    assert len(dataset) == 2
    item = dataset[1]
    assert item['data_samples']['seq_name'] == name
    assert item['data_samples']['frame_index'] == 1
    np.testing.assert_array_equal(item['data_samples']['gt_box'].numpy(), [5, 6, 7, 8])
    np.testing.assert_array_equal(item['data_samples']['init_box'].numpy(), [1, 2, 3, 4])
    frames = item['inputs']['frames']
    assert frames.shape == (2, 3, 6, 8)
    np.testing.assert_allclose(frames.numpy(),
                               images[1].transpose(0, 3, 1, 2).astype(np.float32) / 255)


def test_split_file_and_clear_errors(tmp_path):
    rng = np.random.default_rng(1)
    for name in ('a', 'b'):
        write_sequence(tmp_path / 'train' / name, 'groundtruth.txt', '1,1,2,2\n', 0, 1, 1, rng)
    (tmp_path / 'visevent_train.txt').write_text('b\n')
    dataset = DATASETS.build(dict(type='VisEventDataset', data_root=str(tmp_path),
                                  split_file='visevent_train.txt', pipeline=[]))
    assert [d['seq_name'] for d in dataset.data_list] == ['b']
    assert dataset.data_list[0]['boxes'].shape == (1, 4)
    with pytest.raises(FileNotFoundError, match='groundtruth_rect.txt'):
        DATASETS.build(dict(type='FE108Dataset', data_root=str(tmp_path), pipeline=[]))
    bad = DATASETS.build(dict(type='VisEventDataset', data_root=str(tmp_path), num_bins=2,
                              test_mode=True, pipeline=TEST_PIPELINE))
    with pytest.raises(FileNotFoundError, match='inter2_stack_3008'):
        bad[0]


def test_events_representation_matches_the_written_stacks(fe108_data):
    common = dict(type='FE108Dataset', data_root=str(fe108_data.root), split='test',
                  num_bins=fe108_data.num_bins, test_mode=True, pipeline=TEST_PIPELINE)
    stacks = DATASETS.build(common)
    events = DATASETS.build(dict(common, representation='events', sensor_size=(64, 96)))
    assert len(stacks) == fe108_data.seq_length
    for index in (0, 5):
        a, b = stacks[index]['inputs']['frames'], events[index]['inputs']['frames']
        assert a.shape == (2, 3, 64, 96)
        assert a.sum() > 0
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_oracle_tracker_scores_the_perfect_ope(fe108_data):
    dataset = DATASETS.build(dict(type='FE108Dataset', data_root=str(fe108_data.root),
                                  split='test', num_bins=2, test_mode=True, pipeline=[]))
    metric = SOTMetric()
    metric.process({}, [dict(item, pred_box=item['gt_box']) for item in dataset])
    scores = metric.compute_metrics(metric.results)
    assert scores['AUC'] == pytest.approx(100 * 20 / 21)    # IoU 1 is not > 1.0
    assert scores['Prec'] == 100.0 and scores['NormPrec'] == 100.0
    # an oracle one frame late does worse on the moving object
    metric = SOTMetric()
    boxes = [item['gt_box'] for item in dataset]
    metric.process({}, [dict(item, pred_box=boxes[max(0, item['frame_index'] - 1)])
                        for item in dataset])
    assert metric.compute_metrics(metric.results)['AUC'] < 100 * 20 / 21
