"""tpmm models: spiking backbones and the adapters that feed stock mmdet / mmseg."""
from .backbones import *  # noqa: F401,F403
