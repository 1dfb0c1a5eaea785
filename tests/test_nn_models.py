"""eos.nn models: the hand-written net (2) against autograd, net (7) and ResNet-18 shapes and statistics."""
import pytest

torch = pytest.importorskip("torch")

from eos.nn import (  # noqa: E402
    KnownBasisObjective,
    ResNet18,
    TwoLayerNet,
    batch_statistics,
    known_basis_init,
    known_basis_net,
    median_bias,
    resnet_statistics,
    sparse_coding,
)

THETAS = torch.tensor([[0.01, -0.02, 0.1], [0.003, 0.004, -0.3], [-0.01, 0.02, 0.0], [0.5, -0.4, -1.7]],
                      dtype=torch.float64)


@pytest.fixture(scope="module")
def problem():
    data = sparse_coding(60, 30, 3.0, n_test=40, seed=1, dtype="float64", device="cpu")
    return data, KnownBasisObjective(data.x, data.y)


def dense_loss(data, theta):
    return torch.nn.functional.softplus(-data.y * known_basis_net(data.x, theta)).mean(-1)


def test_sparse_coding_model():
    data = sparse_coding(4000, 20, 3.0, n_test=10, seed=0, dtype="float64", device="cpu")
    assert data.x.shape == (4000, 20) and data.x_test.shape == (10, 20) and data.x.dtype == torch.float64
    assert set(data.y.unique().tolist()) == {-1.0, 1.0}
    # exactly one coordinate per sample carries the signal λ y: it is where y·x is largest (with high prob.)
    signal = (data.x * data.y[:, None]).max(1).values
    assert abs(float(signal.mean()) - 3.0) < 0.2
    # float32 is the float64 sample rounded; the same seed gives the same data
    data32 = sparse_coding(4000, 20, 3.0, n_test=10, seed=0, device="cpu")
    assert data32.x.dtype == torch.float32 and torch.equal(data32.x, data.x.float())


def test_features_match_the_dense_formula(problem):
    data, obj = problem
    b = torch.tensor([-2.0, -0.3, 0.0, 0.7], dtype=torch.float64)
    f_minus, f_plus, n_minus, n_plus = obj.features(b)
    bb = b[:, None, None]
    assert torch.allclose(f_minus, torch.relu(bb - data.x).sum(-1), atol=1e-12)
    assert torch.allclose(f_plus, torch.relu(data.x + bb).sum(-1), atol=1e-12)
    assert torch.equal(n_minus, (bb - data.x > 0).sum(-1).double())
    assert torch.equal(n_plus, (data.x + bb > 0).sum(-1).double())


def test_loss_gradient_and_hessian_against_autograd(problem):
    data, obj = problem
    theta = THETAS.clone().requires_grad_()
    ref = dense_loss(data, theta)
    (ref_grad,) = torch.autograd.grad(ref.sum(), theta)
    loss, grad = obj.loss_and_grad(THETAS)
    assert torch.allclose(loss, ref.detach(), rtol=1e-13)
    assert torch.allclose(grad, ref_grad, rtol=1e-11, atol=1e-13)
    hess = obj.hessian(THETAS)
    for k in range(len(THETAS)):
        ref_hess = torch.autograd.functional.hessian(lambda t: dense_loss(data, t[None])[0], THETAS[k])
        assert torch.allclose(hess[k], ref_hess, rtol=1e-10, atol=1e-12)


def test_gradient_against_finite_differences(problem):
    _, obj = problem
    theta = THETAS[:1]
    _, grad = obj.loss_and_grad(theta)
    h = 1e-6
    for i in range(3):
        e = torch.zeros_like(theta)
        e[0, i] = h
        fd = (obj.loss(theta + e) - obj.loss(theta - e)) / (2 * h)
        assert float(fd) == pytest.approx(float(grad[0, i]), rel=1e-6, abs=1e-9)


def test_accuracy_and_outputs(problem):
    data, obj = problem
    out = obj.outputs(THETAS)
    assert out.shape == (len(THETAS), 60)
    assert torch.allclose(out, known_basis_net(data.x, THETAS), atol=1e-12)
    assert torch.equal(obj.accuracy(THETAS), ((out * data.y) > 0).double().mean(-1))


def test_known_basis_init_gives_order_one_A0():
    d = 200
    A0 = [d * sum(known_basis_init(d, seed=s)[:2]) for s in range(400)]
    assert abs(sum(a * a for a in A0) / len(A0) - 1.0) < 0.2  # A0 ~ N(0, 1)
    assert known_basis_init(d, seed=3)[2] == 0.0


def test_two_layer_net_init_and_forward():
    net = TwoLayerNet(50, 400, seed=0)
    assert net(torch.randn(7, 50)).shape == (7,)
    assert abs(float(net.W.detach().var()) - 1 / 50) < 0.1 / 50
    assert abs(float(net.a.detach().var()) - 1 / 400) < 0.2 / 400
    assert float(net.b.detach().abs().max()) == 0.0
    assert torch.equal(TwoLayerNet(50, 400, seed=0).W, net.W)


def test_resnet18_shapes_and_statistics():
    x = torch.randn(4, 3, 32, 32)
    net = ResNet18(10, width=8, seed=0)
    assert net(x).shape == (4, 10)
    assert net.features(x).shape == (4, 64, 4, 4)
    assert net.last_bn.bias.shape == (64,)
    binary = ResNet18(1, width=8, seed=0)
    assert binary(x).shape == (4,)
    with torch.no_grad():
        binary.last_bn.bias.copy_(torch.arange(64.0))
    assert median_bias(binary) == pytest.approx(31.5)
    stats = resnet_statistics(binary, x, chunk_size=2)
    assert set(stats) == {"avg_logit", "avg_activation"} and stats["avg_activation"] >= 0
    # ResNet-18 proper: 11.2M parameters at width 64, 4 × 2 BasicBlocks
    assert sum(p.numel() for p in ResNet18(10).parameters()) == 11_173_962
    assert len(ResNet18(10).blocks) == 8


def test_resnet_seed_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    ResNet18(1, width=4, seed=7)
    assert torch.equal(torch.rand(1), expected)


def test_batch_statistics_mode_freezes_running_averages():
    net = ResNet18(1, width=4, seed=0).eval()
    before = net.last_bn.running_mean.clone()
    x = torch.randn(6, 3, 32, 32)
    with batch_statistics(net):
        out = net(x)
        assert net.last_bn.training
    assert torch.equal(net.last_bn.running_mean, before) and not net.last_bn.training
    # batch statistics: the output equals a train-mode forward pass (which would also move the buffers)
    net.train()
    assert torch.allclose(out, net(x), atol=1e-5)
