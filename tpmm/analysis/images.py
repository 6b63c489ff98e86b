"""Test images of the analysis tools: photos or files, sizes snapped to a stride."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

#: ImageNet statistics, the normalisation of every tpmm config.
IMAGE_MEAN = (123.675, 116.28, 103.53)
IMAGE_STD = (58.395, 57.12, 57.375)


def input_shape_for(long_side: int, aspect_hw: Sequence[int], stride: int) -> Tuple[int, int]:
    """``(H, W)`` with the long side ``long_side``, the aspect of ``aspect_hw``, both
    rounded to multiples of ``stride`` (at least ``stride``)."""
    h, w = aspect_hw
    scale = long_side / max(h, w)

    def snap(v):
        return max(stride, int(round(v * scale / stride)) * stride)

    return snap(h), snap(w)


def check_shape(shape: Sequence[int], stride: int, backbone_name: str) -> Tuple[int, int]:
    """Raise unless ``shape`` is two positive multiples of the backbone stride."""
    if len(shape) != 2 or any(int(s) <= 0 for s in shape):
        raise ValueError(f'--shape must be two positive integers H W, got {list(shape)}')
    h, w = int(shape[0]), int(shape[1])
    if h % stride or w % stride:
        raise ValueError(f'--shape {h} {w} is not a multiple of the stride {stride} of '
                         f'{backbone_name}')
    return h, w


def load_image(source: str, shape: Optional[Sequence[int]] = None) -> np.ndarray:
    """An RGB ``uint8`` image ``[H, W, 3]``: a file path, or the name of a
    ``skimage.data`` photo (``'astronaut'``, ``'coffee'``, ``'chelsea'``, ...);
    resized to ``shape`` ``(H, W)`` if given."""
    from skimage import color, data, io, transform, util
    if osp.isfile(source):
        image = io.imread(source)
    elif hasattr(data, source) and callable(getattr(data, source)):
        image = getattr(data, source)()
    else:
        raise FileNotFoundError(f'image {source!r} is neither a file nor a skimage.data '
                                f'image name')
    if image.ndim == 2:
        image = color.gray2rgb(image)
    image = image[..., :3]
    if shape is not None:
        image = transform.resize(image, tuple(shape), anti_aliasing=True)
    return util.img_as_ubyte(image)


def image_tensor(images: List[np.ndarray]) -> torch.Tensor:
    """RGB ``uint8`` images ``[H, W, 3]`` -> normalised batch ``[B, 3, H, W]``."""
    batch = torch.from_numpy(np.stack(images)).float().permute(0, 3, 1, 2)
    mean = torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD).view(1, 3, 1, 1)
    return (batch - mean) / std
