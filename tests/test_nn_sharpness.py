"""Sharpness: Lanczos on Hessian-vector products against dense Hessians."""
import pytest

torch = pytest.importorskip("torch")

from torch.func import functional_call  # noqa: E402

from eos.nn import (  # noqa: E402
    KnownBasisObjective,
    Sharpness,
    batch_statistics,
    known_basis_net,
    known_basis_sharpness,
    lanczos,
    sparse_coding,
)


def test_lanczos_on_a_known_spectrum():
    gen = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(40, 40, generator=gen, dtype=torch.float64))
    eig = torch.cat([torch.tensor([9.0, 7.5, 7.4]), torch.linspace(-3, 2, 37)]).double()
    mat = q @ torch.diag(eig) @ q.T
    vals, vecs = lanczos(lambda v: mat @ v, torch.randn(40, generator=gen, dtype=torch.float64), k=3, iters=40)
    assert torch.allclose(vals, eig[:3], atol=1e-10)
    assert torch.allclose(mat @ vecs[0], 9.0 * vecs[0], atol=1e-8)


def test_lanczos_restarts_from_an_exact_eigenvector():
    mat = torch.diag(torch.tensor([5.0, 3.0, 1.0, -2.0], dtype=torch.float64))
    vals, _ = lanczos(lambda v: mat @ v, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64), k=2, iters=4,
                      generator=torch.Generator().manual_seed(1))
    assert torch.allclose(vals, torch.tensor([5.0, 3.0], dtype=torch.float64), atol=1e-12)


def test_three_parameter_net_lanczos_equals_exact_hessian():
    data = sparse_coding(80, 40, 3.0, seed=2, dtype="float64", device="cpu")
    obj = KnownBasisObjective(data.x, data.y)
    theta = torch.tensor([[0.02, -0.01, -0.2], [0.3, -0.3, -1.0]], dtype=torch.float64)
    exact = torch.linalg.eigvalsh(obj.hessian(theta))
    assert torch.allclose(known_basis_sharpness(obj, theta), exact[:, -1])
    tracker = Sharpness(k=3, iters=3)
    for row, ref in zip(theta, exact):
        def loss(p):
            return torch.nn.functional.softplus(-data.y * known_basis_net(data.x, p["theta"])).mean()

        vals = tracker.of_function(loss, {"theta": row})
        assert torch.allclose(vals, ref.flip(0), rtol=1e-9, atol=1e-9)


def _dense_top(model, x, y, criterion, k):
    params = {n: p.detach() for n, p in model.named_parameters()}
    names = list(params)
    flat = torch.cat([p.reshape(-1) for p in params.values()])

    def loss(v):
        chunks, i = {}, 0
        for n in names:
            chunks[n] = v[i : i + params[n].numel()].view_as(params[n])
            i += params[n].numel()
        return criterion(functional_call(model, chunks, (x,)), y)

    with batch_statistics(model):
        # reverse-over-reverse: torch.func.hessian (forward-over-reverse) would warn on its first use
        return torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, flat)).flip(0)[:k]


def mse(out, y):
    return ((out.squeeze(-1) - y) ** 2).mean()


def test_small_random_networks_against_dense_hessian():
    torch.manual_seed(0)
    x, y = torch.randn(30, 4, dtype=torch.float64), torch.randn(30, dtype=torch.float64)
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)).double()
    assert torch.allclose(Sharpness(k=3, iters=37).of_model(mlp, x, y, mse), _dense_top(mlp, x, y, mse, 3),
                          rtol=1e-8, atol=1e-10)
    # with BatchNorm: the Hessian of the batch-statistics loss, running averages untouched
    bn = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(),
                             torch.nn.Linear(5, 1)).double()
    before = bn[1].running_mean.clone()
    top = Sharpness(k=2, iters=46).of_model(bn, x, y, mse)
    assert torch.allclose(top, _dense_top(bn, x, y, mse, 2), rtol=1e-7, atol=1e-9)
    assert torch.equal(bn[1].running_mean, before)


def test_warm_start_tracks_with_few_iterations():
    torch.manual_seed(1)
    x, y = torch.randn(40, 3, dtype=torch.float64), torch.randn(40, dtype=torch.float64)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()
    ref = _dense_top(net, x, y, mse, 1)
    tracker = Sharpness(iters=30)
    tracker.of_model(net, x, y, mse)
    tracker.iters = 3  # from the converged eigenvector, three HVPs suffice
    assert torch.allclose(tracker.of_model(net, x, y, mse), ref, rtol=1e-8)


def test_chunked_loss_equals_full_batch():
    torch.manual_seed(2)
    x, y = torch.randn(24, 3, dtype=torch.float64), torch.randn(24, dtype=torch.float64)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    full = Sharpness(k=2, iters=26).of_model(net, x, y, mse)
    chunked = Sharpness(k=2, iters=26).of_model(net, x, y, mse, chunk_size=7)
    assert torch.allclose(full, chunked, rtol=1e-10)
