"""Shared by the analysis-tool tests."""

#: the smallest real backbone of tpmm, cheap enough for every tool on 32x32 inputs
TINY_BACKBONE = dict(type='SDTV1', arch='tiny', T=1, out_type='featmap', out_indices=(0, ))
