"""The CIFAR-10 loader on a tiny dataset written in the CIFAR python-pickle format, and the ResNet figures."""
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from eos.figures import FigureSkipped, registry  # noqa: E402
from eos.figures import _nn_runs  # noqa: E402
from eos.nn import CifarNotFound, load_cifar10  # noqa: E402
from eos.nn.cifar import MEAN, STD  # noqa: E402

PER_BATCH = 30


def write_fake_cifar(root, per_batch=PER_BATCH):
    """Six batch files like the official release: uint8 rows of 3072 = 3·32·32 pixels, labels 0..9."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        labels = [(j + i) % 10 for j in range(per_batch)]
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        data[:, 0] = i  # tag the first pixel with the file index, to check the order
        with open(folder / name, "wb") as fh:
            pickle.dump({b"data": data, b"labels": labels, b"batch_label": name.encode()}, fh)
    return folder


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny ResNets gain nothing from intra-op threads, and lose much when CI shares its cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def cifar_root(tmp_path, monkeypatch):
    monkeypatch.delenv("EOS_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write_fake_cifar(tmp_path / "data")
    return tmp_path / "data"


def test_loader_reads_the_pickle_format(cifar_root):
    x, y = load_cifar10(cifar_root, device="cpu")
    assert x.shape == (5 * PER_BATCH, 3, 32, 32) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and y[:3].tolist() == [0, 1, 2]
    # normalised per channel with the CIFAR-10 statistics; the tagged first pixel gives the file order
    first = x[:, 0, 0, 0] * STD[0] + MEAN[0]
    np.testing.assert_allclose(first[::PER_BATCH].numpy(), np.arange(5) / 255, atol=1e-6)
    xt, yt = load_cifar10(cifar_root, train=False, device="cpu", dtype="float64")
    assert xt.shape == (PER_BATCH, 3, 32, 32) and xt.dtype == torch.float64 and yt[0] == 5


def test_binary_variant_and_subset(cifar_root):
    x, y = load_cifar10(cifar_root, binary=True, device="cpu")
    assert len(x) == 5 * 6  # the labels (j + i) % 10 of a file hit 0 and 1 three times each
    assert set(y.tolist()) == {-1.0, 1.0}
    x4, _ = load_cifar10(cifar_root, binary=True, n=4, device="cpu")
    torch.testing.assert_close(x4, x[:4])


def test_environment_variable_and_missing_data(cifar_root, tmp_path, monkeypatch):
    monkeypatch.setenv("EOS_DATA", str(cifar_root / "cifar-10-batches-py"))
    assert load_cifar10(device="cpu")[0].shape[0] == 5 * PER_BATCH
    monkeypatch.setenv("EOS_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(CifarNotFound) as err:
        load_cifar10(tmp_path / "empty", device="cpu")
    message = str(err.value)
    assert str(tmp_path / "empty") in message and str(tmp_path / "nowhere") in message
    assert "download=True" in message and "EOS_DATA" in message


def test_resnet_figures_skip_without_data(tmp_path, monkeypatch):
    monkeypatch.setenv("EOS_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("HOME", str(tmp_path))
    figures = registry()
    for fig_id in ("3b", "7", "8"):
        with pytest.raises(FigureSkipped, match="CIFAR-10 not found"):
            figures[fig_id].compute("quick")


def test_resnet_figures_run_end_to_end_on_tiny_data(cifar_root, tmp_path, monkeypatch):
    monkeypatch.setenv("EOS_DATA", str(cifar_root))
    monkeypatch.setitem(_nn_runs.RESNET_GD, "quick",
                        {"width": 4, "n": 8, "steps": 3, "lrs": [0.01, 0.5], "chunk": 4})
    monkeypatch.setitem(_nn_runs.RESNET_SGD, "quick",
                        {"width": 4, "n": 20, "steps": 3, "lrs": [0.01, 0.5], "batch_sizes": [5, 10],
                         "eval_every": 2, "n_eval": 4})
    _nn_runs.resnet_gd_runs.cache_clear()
    figures = registry()
    try:
        for fig_id in ("3b", "7", "8"):
            fig = figures[fig_id]
            data = fig.compute("quick")
            paths = fig.plot(data, tmp_path / f"fig{fig_id}")
            assert all(p.exists() for p in paths)
            assert fig.check(data)  # real claims on random pixels may pass or fail; they must be computable
        assert data["median_bias_1_1"].shape == (4,) and data["eval_step_0_0"].tolist() == [0, 2, 3]
    finally:
        _nn_runs.resnet_gd_runs.cache_clear()
