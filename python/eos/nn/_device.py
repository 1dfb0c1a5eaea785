"""Device and dtype resolution shared by every eos.nn entry point."""
from __future__ import annotations

import torch

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` is CUDA when torch sees a GPU, else the CPU; anything else is passed to ``torch.device``."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_dtype(dtype: str | torch.dtype = "float32") -> torch.dtype:
    """``"float32"`` (the default everywhere) or ``"float64"``, as a name or a torch dtype."""
    if isinstance(dtype, torch.dtype):
        if dtype not in _DTYPES.values():
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        return dtype
    try:
        return _DTYPES[dtype]
    except KeyError:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}") from None
