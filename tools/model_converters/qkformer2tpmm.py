"""Convert a QKFormer checkpoint to the keys of ``tpmm.QKFormer``.

    python tools/model_converters/qkformer2tpmm.py SRC DST [--classifier] [--source zoo|official]

Sources:

* ``zoo``: spikingjelly 2.0's ``model.qkformer.QKFormer`` (``qkformer_10_384``).
* ``official``: zhouchenlin2096/QKFormer ``imagenet/qkformer.py`` (separate Q/K(/V)
  convs, attention projection biases folded into the following batch norm's running
  mean, 1x1 ``Conv2d`` MLP weights reshaped to ``Conv1d``, zero biases written for its
  bias-free patch-embedding convs).

The output ``{'state_dict': ...}`` holds the backbone's keys (without pyramid and
head). ``--classifier`` writes an mmpretrain ``ImageClassifier`` instead: the backbone
under ``backbone.`` and the official ``head.*`` as ``head.fc.*``, for
``tools/test.py configs/classification/CONFIG DST``.
"""
from tpmm.models.converters import qkformer
from tpmm.models.converters.state_dict_conversion import convert_file, summary

if __name__ == '__main__':
    convert_file(qkformer.convert, summary(__doc__))
