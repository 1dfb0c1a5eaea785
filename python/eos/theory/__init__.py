"""Closed forms and predictions of the paper, in its notation (SPEC §1–2).

Single neuron f(x, y) = l(xy):
    :func:`get_loss` (l, l', l'' as :class:`Loss` objects), :func:`regime`, :func:`predicted_sharpness`,
    :func:`sharpness`, :func:`gap_exponent`, :func:`bouncing_exponent`, :func:`eos_init`,
    :func:`quasi_static_s`, :func:`gradient_flow`.
Mean model (A, b):
    :func:`g`, :func:`dg`, :func:`d2g`, :func:`g_inv`, :func:`kappa`, :func:`kappa_inv`, :func:`flow_bias_limit`,
    :func:`eta_star`, :func:`eos_bias_bound`, :func:`mean_model_sharpness`, :func:`l_sym`, :func:`dl_sym`.

Pure numpy/scipy: nothing here needs the compiled core, and everything is vectorised over arrays.
"""
from __future__ import annotations

from .losses import LOSS_NAMES, Loss, get_loss
from .mean_model import (
    d2g,
    dg,
    dl_sym,
    eos_bias_bound,
    eta_star,
    flow_bias_limit,
    g,
    g_inv,
    kappa,
    kappa_inv,
    l_sym,
    mean_model_sharpness,
)
from .single_neuron import (
    FlowSolution,
    bouncing_exponent,
    eos_init,
    gap_exponent,
    gradient_flow,
    predicted_sharpness,
    quasi_static_s,
    regime,
    sharpness,
)

__all__ = [
    "LOSS_NAMES",
    "Loss",
    "get_loss",
    "regime",
    "predicted_sharpness",
    "sharpness",
    "gap_exponent",
    "bouncing_exponent",
    "eos_init",
    "quasi_static_s",
    "FlowSolution",
    "gradient_flow",
    "g",
    "dg",
    "d2g",
    "g_inv",
    "kappa",
    "kappa_inv",
    "flow_bias_limit",
    "eta_star",
    "eos_bias_bound",
    "mean_model_sharpness",
    "l_sym",
    "dl_sym",
]
