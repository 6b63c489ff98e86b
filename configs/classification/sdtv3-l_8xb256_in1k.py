# E-SpikeFormer (SDT-V3) l (19 M), T=1, integer spikes: the size the TP-Spikformer release
# fine-tunes (xlzhou126/TP-Spikformer-Token-Pruned-Spiking-Transformer sdtv3_drop,
# Efficient_Spiking_Transformer_l); the recipe of
# sdtv3-s_8xb256_in1k.py (BICLab/Spike-Driven-Transformer-V3
# SDT_V3/Classification/Model_Base/Train_Base.md gives one recipe for the Model_Base sizes).
# Converted weights: tools/model_converters/sdt_v3_2tpmm.py SRC DST --classifier.
_base_ = ['./sdtv3-s_8xb256_in1k.py']

model = dict(backbone=dict(arch='l'), head=dict(in_channels=360))
