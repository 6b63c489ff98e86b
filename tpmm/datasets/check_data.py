"""Check the dataset paths of an mmengine config before a Runner is built.

``tools/train.py`` and ``tools/test.py`` call :func:`check_data_config` so that a missing
folder or a malformed annotation file stops the run at once with the path and the config
key at fault, instead of deep inside a dataloader worker.

Paths are resolved as mmengine's ``BaseDataset`` does: a relative ``ann_file`` or
``data_prefix`` value is joined with ``data_root``; a relative ``data_root`` is relative
to the working directory. mmpretrain's ``data_prefix`` may be one folder (a string), and
its ``ImageNet(split=...)`` reads ``data_root/<split>``. Remote paths (``s3://...``) are
not checked.
"""
import json
import os
import os.path as osp

COCO_KEYS = ('images', 'annotations', 'categories')
# Larger json files (e.g. COCO's 448 MB train set) are checked for their opening brace
# only; the stock loader parses them anyway.
MAX_PARSED_JSON_BYTES = 128 * 2**20


def check_data_config(cfg, splits=('train', 'val')):
    """Check the datasets (and evaluator annotation files) of ``splits`` in ``cfg``.

    For each ``<split>_dataloader`` present: ``data_root`` exists; ``ann_file`` exists and,
    if json, parses and holds the COCO keys (``annotations`` may be absent in test mode,
    as in COCO's test-dev image-info files); every ``data_prefix`` folder exists; folders
    that are listed instead of an ``ann_file`` (mmseg's ADE20K layout) hold files; the
    first image of a json annotation file exists. Wrappers (``dataset`` /
    ``datasets`` keys, e.g. RepeatDataset, ConcatDataset) are followed.
    For ``<split>_evaluator`` (val and test): an ``ann_file`` (CocoMetric) exists and parses.

    Raises:
        FileNotFoundError: a path is missing; the message names it and its config key.
        ValueError: an annotation file is malformed; the message names it and its key.
    """
    parsed = {}
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            if not loader.get('dataset'):
                raise KeyError(f'{split}_dataloader has no dataset')
            _check_dataset(loader['dataset'], f'{split}_dataloader.dataset', parsed)
        evaluator = cfg.get(f'{split}_evaluator')
        if split != 'train' and evaluator:
            _check_evaluator(evaluator, f'{split}_evaluator', parsed)


def _check_dataset(dataset, key, parsed):
    if not isinstance(dataset, dict):  # an already built dataset object
        return
    if dataset.get('datasets') is not None:  # ConcatDataset and the like
        for i, child in enumerate(dataset['datasets']):
            _check_dataset(child, f'{key}.datasets[{i}]', parsed)
        return
    if dataset.get('dataset') is not None:  # RepeatDataset, ClassBalancedDataset, ...
        _check_dataset(dataset['dataset'], f'{key}.dataset', parsed)
        return

    data_root = dataset.get('data_root') or ''
    if _is_remote(data_root):
        return
    if data_root and not osp.isdir(data_root):
        raise FileNotFoundError(f'{key}.data_root: {data_root} not found '
                                f'(working directory {os.getcwd()})')
    data_prefix = dataset.get('data_prefix') or {}
    if isinstance(data_prefix, str):  # mmpretrain: one folder, the images
        data_prefix = dict(img_path=data_prefix)
    if not data_prefix and dataset.get('split'):  # mmpretrain's ImageNet: data_root/<split>
        data_prefix = dict(img_path=dataset['split'])
    prefixes = {}
    for name, prefix in data_prefix.items():
        if not isinstance(prefix, str) or not prefix or _is_remote(prefix):
            continue
        path = _join(data_root, prefix)
        if not osp.isdir(path):
            raise FileNotFoundError(f'{key}.data_prefix.{name}: folder {path} not found')
        prefixes[name] = path

    ann_file = dataset.get('ann_file') or ''
    if not ann_file:  # files are listed from the data_prefix folders (mmseg)
        for name, path in prefixes.items():
            if not _holds_a_file(path):
                raise FileNotFoundError(f'{key}.data_prefix.{name}: folder {path} is empty')
        return
    if _is_remote(ann_file):
        return
    ann_path = _join(data_root, ann_file)
    if not osp.exists(ann_path):
        raise FileNotFoundError(f'{key}.ann_file: {ann_path} not found')
    if ann_path.endswith('.json'):
        content = _parse_annotation_json(ann_path, f'{key}.ann_file', parsed,
                                         require_annotations=not dataset.get('test_mode', False))
        image_dir = prefixes.get('img', prefixes.get('img_path'))
        if content and content['images'] and image_dir is not None:
            image = osp.join(image_dir, content['images'][0].get('file_name', ''))
            if not osp.isfile(image):
                raise FileNotFoundError(
                    f'{key}: image {image} (the first image of {ann_path}) not found; '
                    f'check {key}.data_prefix')


def _check_evaluator(evaluator, key, parsed):
    if isinstance(evaluator, (list, tuple)):
        for i, metric in enumerate(evaluator):
            _check_evaluator(metric, f'{key}[{i}]', parsed)
        return
    if not isinstance(evaluator, dict):
        return
    if evaluator.get('metrics') is not None:  # dict(type='Evaluator', metrics=[...])
        _check_evaluator(evaluator['metrics'], f'{key}.metrics', parsed)
        return
    ann_file = evaluator.get('ann_file')
    if not ann_file or _is_remote(ann_file):
        return
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{key}.ann_file: {ann_file} not found '
                                f'(working directory {os.getcwd()})')
    if ann_file.endswith('.json'):
        _parse_annotation_json(ann_file, f'{key}.ann_file', parsed,
                               require_annotations=not evaluator.get('format_only', False))


def _parse_annotation_json(path, key, parsed, require_annotations):
    """The parsed COCO-style dict (None for files too large to parse here)."""
    if osp.getsize(path) > MAX_PARSED_JSON_BYTES:
        with open(path, 'rb') as f:
            if f.read(64).lstrip()[:1] != b'{':
                raise ValueError(f'{key}: {path} is not a json object')
        return None
    if path not in parsed:
        try:
            with open(path, encoding='utf-8') as f:
                parsed[path] = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f'{key}: {path} is not valid json ({error})') from None
    content = parsed[path]
    if not isinstance(content, dict):
        raise ValueError(f'{key}: {path} holds a json {type(content).__name__}, not an object '
                         f'with {COCO_KEYS}')
    required = COCO_KEYS if require_annotations else ('images', 'categories')
    missing = [name for name in required if name not in content]
    if missing:
        raise ValueError(f'{key}: {path} misses {missing} (a COCO-style annotation file holds '
                         f'{", ".join(COCO_KEYS)})')
    for name in required:
        if not isinstance(content[name], list):
            raise ValueError(f'{key}: {path}: "{name}" must be a list, got '
                             f'{type(content[name]).__name__}')
    return content


def _join(data_root, path):
    return path if osp.isabs(path) or not data_root else osp.join(data_root, path)


def _is_remote(path):
    return '://' in path


def _holds_a_file(folder):
    for _, _, files in os.walk(folder):
        if files:
            return True
    return False
