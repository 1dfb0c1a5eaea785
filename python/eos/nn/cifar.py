"""CIFAR-10 from the standard python-pickle release (``cifar-10-batches-py``), without torchvision.

Where the data are looked for, in order: the ``root`` argument, the ``EOS_DATA`` environment variable (which
the figures use, so ``EOS_DATA=DIR eos reproduce`` finds it), then ``~/.cache/eos``; in each, the folder
itself and its ``cifar-10-batches-py`` subfolder. Nothing is downloaded unless ``download=True`` is passed.
"""
from __future__ import annotations

import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import torch

from ._device import resolve_device, resolve_dtype

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILES = ("test_batch",)
#: per-channel mean and standard deviation of the CIFAR-10 training images (pixel values in [0, 1])
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


class CifarNotFound(FileNotFoundError):
    """CIFAR-10 is not where eos looked; the message says where that was and how to get it."""


def candidate_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for ``cifar-10-batches-py``, in order."""
    roots = [Path(root)] if root is not None else []
    if os.environ.get("EOS_DATA"):
        roots.append(Path(os.environ["EOS_DATA"]))
    roots.append(Path.home() / ".cache" / "eos")
    return roots


def find_cifar10(root: str | os.PathLike | None = None) -> Path:
    """The ``cifar-10-batches-py`` folder holding all six batches, or :class:`CifarNotFound`."""
    tried = []
    for base in candidate_roots(root):
        for folder in (base / FOLDER, base):
            tried.append(folder)
            if all((folder / f).is_file() for f in TRAIN_FILES + TEST_FILES):
                return folder
    raise CifarNotFound(
        "CIFAR-10 not found; looked for data_batch_1..5 and test_batch in: "
        + ", ".join(str(p) for p in tried)
        + f". To get it (about 170 MB): python -c \"import eos.nn; eos.nn.load_cifar10('DIR', download=True)\" "
        f"or download {URL} and unpack it in DIR (tar xzf); then set EOS_DATA=DIR (or pass DIR as root)."
    )


def download_cifar10(root: str | os.PathLike) -> Path:
    """Download the official archive (about 170 MB) into ``root`` and unpack it; returns the data folder."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "cifar-10-python.tar.gz"
    if not archive.is_file():
        urllib.request.urlretrieve(URL, archive)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(root, filter="data")
    return root / FOLDER


def _read(folder: Path, files: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for name in files:
        with open(folder / name, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def load_cifar10(
    root: str | os.PathLike | None = None,
    *,
    train: bool = True,
    binary: bool = False,
    n: int | None = None,
    download: bool = False,
    dtype: str | torch.dtype = "float32",
    device: str | torch.device = "auto",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 3, 32, 32), normalised per channel, and labels (N,).

    ``binary``: only classes 0 and 1 (airplane, automobile; 10 000 training images) with labels −1, +1 as
    floats, for the logistic loss on one logit; otherwise all ten classes with integer labels 0..9.
    ``n``: keep the first n images (in file order) — the documented subsets of ``--quick``.
    ``download``: fetch into ``root`` (required then) when the data are not found.
    """
    try:
        folder = find_cifar10(root)
    except CifarNotFound:
        if not download:
            raise
        if root is None:
            raise ValueError("download=True needs a root folder to download into") from None
        folder = download_cifar10(root)
    images, labels = _read(folder, TRAIN_FILES if train else TEST_FILES)
    if binary:
        keep = labels < 2
        images, labels = images[keep], labels[keep]
    images, labels = images[:n], labels[:n]
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    x = torch.from_numpy(images).to(dt) / 255.0
    x = (x - torch.tensor(MEAN, dtype=dt)[:, None, None]) / torch.tensor(STD, dtype=dt)[:, None, None]
    y = torch.from_numpy(labels)
    y = (2 * y - 1).to(dt) if binary else y
    return x.to(dev), y.to(dev)
