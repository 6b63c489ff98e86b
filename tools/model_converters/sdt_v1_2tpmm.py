"""Convert a Spike-driven Transformer V1 checkpoint to the keys of ``tpmm.SDTV1``.

    python tools/model_converters/sdt_v1_2tpmm.py SRC DST [--classifier] [--source zoo|official]

Sources:

* ``zoo``: spikingjelly 2.0's ``model.spike_driven_transformer.SpikeDrivenTransformer``
  (``sdt_8_384``).
* ``official``: BICLab/Spike-Driven-Transformer ``model/spikeformer.py`` with
  ``module/ms_conv.py`` and ``module/sps.py`` (its stem convs have no bias: zeros are
  written; the ``talking_heads`` conv, unused by its forward, is dropped).

The output ``{'state_dict': ...}`` holds the backbone's keys (without pyramid and
head). ``--classifier`` writes an mmpretrain ``ImageClassifier`` instead: the backbone
under ``backbone.`` and the official ``head.*`` as ``head.fc.*``, for
``tools/test.py configs/classification/CONFIG DST``.
"""
from tpmm.models.converters import sdt_v1
from tpmm.models.converters.state_dict_conversion import convert_file, summary

if __name__ == '__main__':
    convert_file(sdt_v1.convert, summary(__doc__))
