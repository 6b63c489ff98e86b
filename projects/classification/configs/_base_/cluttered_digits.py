# Cluttered digits (scikit-learn's bundled 8x8 digits on a 64x64 cluttered canvas),
# seeded splits; needs no download.
custom_imports = dict(
    imports=['tpmm', 'projects.classification.spiking_cls'], allow_failed_imports=False)
# mmengine's own scope; the project's components are named with the 'tpmm.' prefix
default_scope = 'mmengine'

dataset_type = 'tpmm.ClutteredDigits'
canvas_size = 64
data_seed = 0
# canvases are in [0, 1]; the model's preprocessor maps them to [-1, 1]
model = dict(
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[0.5] * 3, std=[0.5] * 3))

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, split='train', canvas_size=canvas_size, placements=2,
                 seed=data_seed))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, split='val', canvas_size=canvas_size, seed=data_seed))
test_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type=dataset_type, split='test', canvas_size=canvas_size, seed=data_seed))
val_evaluator = dict(type='tpmm.Top1Accuracy')
test_evaluator = dict(type='tpmm.Top1Accuracy')
