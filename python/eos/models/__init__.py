"""The two-parameter models of the paper, run by the compiled core: one module per model."""
from .mean_model import MeanModelResult, mean_model
from .single_neuron import LOSSES, SingleNeuronResult, single_neuron

__all__ = ["LOSSES", "MeanModelResult", "SingleNeuronResult", "mean_model", "single_neuron"]
