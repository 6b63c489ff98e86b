"""Convert a Spikformer checkpoint to the keys of ``tpmm.Spikformer``.

    python tools/model_converters/spikformer2tpmm.py SRC DST [--classifier] [--source zoo|official]

Sources:

* ``zoo``: spikingjelly 2.0's ``model.spikformer.Spikformer`` (``spikformer_ti`` ...).
  Its stem max-pools before the LIF: build the backbone with
  ``stem_pool='before_spike'``.
* ``official``: ZK-Zhou/spikformer ``imagenet/model.py`` (separate Q/K/V convs,
  conv biases in the projection and MLP, which are folded into the following batch
  norm's running mean). Its stem max-pools the spikes: ``stem_pool='after_spike'``
  (the default).

The output ``{'state_dict': ...}`` holds the backbone's keys (without pyramid and
head). ``--classifier`` writes an mmpretrain ``ImageClassifier`` instead: the backbone
under ``backbone.`` and the official ``head.*`` as ``head.fc.*``, for
``tools/test.py configs/classification/CONFIG DST``.
"""
from tpmm.models.converters import spikformer
from tpmm.models.converters.state_dict_conversion import convert_file, summary

if __name__ == '__main__':
    convert_file(spikformer.convert, summary(__doc__), notes=spikformer.NOTES)
