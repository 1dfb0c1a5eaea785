"""Training loops: the batched learning-rate sweep, the dynamics of net (2), GD/SGD on modules."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from eos.nn import (  # noqa: E402
    KnownBasisObjective,
    TwoLayerNet,
    gd_known_basis,
    known_basis_init,
    logistic_loss,
    sparse_coding,
    steps_for_time,
    train,
)
from eos.theory import eta_star  # noqa: E402


@pytest.fixture(scope="module")
def fig1_problem():
    """The Fig. 1 setting (d = 200, n = 300, λ = 3) in float64."""
    data = sparse_coding(300, 200, 3.0, n_test=500, seed=0, dtype="float64", device="cpu")
    return KnownBasisObjective(data.x, data.y), KnownBasisObjective(data.x_test, data.y_test), known_basis_init(200)


def test_batched_sweep_equals_separate_runs(fig1_problem):
    obj, test, theta0 = fig1_problem
    eta = np.array([3e-3, 5e-4, 1e-3, 2e-3])
    steps = np.array([40, 200, 60, 25])  # different lengths: rows freeze at their own count
    batched = gd_known_basis(obj, theta0, eta, steps, record_every=5, sharpness=True, test=test)
    for k in range(len(eta)):
        single = gd_known_basis(obj, theta0, eta[k : k + 1], int(steps[k]), record_every=5, sharpness=True,
                                test=test)
        np.testing.assert_allclose(batched.theta[k], single.theta[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(batched.train_loss[k], single.train_loss[0], rtol=1e-12)
        np.testing.assert_allclose(batched.max_loss_rise[k], single.max_loss_rise[0], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(batched.test_accuracy[k], single.test_accuracy[0])
        n = len(single.record_step)
        np.testing.assert_allclose(batched.record_theta[:n, k], single.record_theta[:, 0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(batched.record_sharpness[:n, k], single.record_sharpness[:, 0], rtol=1e-9)
        assert np.all(np.isnan(batched.record_loss[n:, k]))  # nothing recorded after a row's last step
    # the final loss is the loss at the final parameters
    np.testing.assert_allclose(batched.train_loss, obj.loss(torch.as_tensor(batched.theta)).numpy(), rtol=1e-12)


def test_gd_step_is_plain_gradient_descent(fig1_problem):
    obj, _, theta0 = fig1_problem
    run = gd_known_basis(obj, theta0, [1e-3], 1)
    _, grad = obj.loss_and_grad(torch.tensor([theta0], dtype=torch.float64))
    np.testing.assert_allclose(run.theta[0], np.array(theta0) - 1e-3 * grad[0].numpy(), rtol=1e-14, atol=1e-17)


def test_twenty_steps_bias_drops_for_large_eta_only(fig1_problem):
    """At η = 4η* twenty GD steps push b down (the edge of stability at work); at η = η*/4 it stays near 0."""
    obj, _, theta0 = fig1_problem
    star = float(eta_star(200))
    run = gd_known_basis(obj, theta0, [star / 4, 4 * star], 20, record_every=1)
    b_small, b_large = run.theta[:, 2]
    assert abs(b_small) < 1e-3
    assert b_large < -0.05
    assert run.max_loss_rise[0] < 0 < run.max_loss_rise[1]  # monotone loss below η*, not above
    assert np.all(np.diff(run.record_theta[:, 1, 2]) <= 0)  # b decreases monotonically, as in the mean model


def test_steps_for_time_and_record_steps(fig1_problem):
    obj, _, theta0 = fig1_problem
    np.testing.assert_array_equal(steps_for_time([1e-3, 2.5e-5], 10.0), [10_000, 400_000])
    run = gd_known_basis(obj, theta0, [1e-3], 30, record_steps=[0, 1, 2, 10, 30, 99])
    np.testing.assert_array_equal(run.record_step, [0, 1, 2, 10, 30])
    np.testing.assert_allclose(run.record_theta[-1, 0], run.theta[0])
    assert np.isnan(run.record_sharpness).all()


def test_float32_on_request_follows_float64():
    data = sparse_coding(100, 50, 3.0, seed=3, device="cpu")
    obj32 = KnownBasisObjective(data.x, data.y)
    obj64 = KnownBasisObjective(data.x.double(), data.y.double())
    theta0 = known_basis_init(50)
    run32, run64 = (gd_known_basis(o, theta0, [2e-2], 50) for o in (obj32, obj64))
    np.testing.assert_allclose(run32.theta, run64.theta, rtol=1e-3, atol=1e-5)


def test_train_full_batch_gd_matches_manual_step():
    data = sparse_coding(64, 10, 5.0, seed=0, dtype="float64", device="cpu")
    net, ref = TwoLayerNet(10, 32, seed=1).double(), TwoLayerNet(10, 32, seed=1).double()
    rec = train(net, data.x, data.y, lr=0.1, steps=1, chunk_size=16,
                param_stats=lambda m: {"bias": float(m.b.mean())})
    loss = logistic_loss(ref(data.x), data.y)
    loss.backward()
    for p, q in zip(net.parameters(), ref.parameters()):
        torch.testing.assert_close(p.detach(), (q - 0.1 * q.grad).detach())
    assert rec["loss"][0] == pytest.approx(float(loss.detach()))
    assert rec["bias"].shape == (2,) and rec["step"].tolist() == [0]


def test_train_sgd_cosine_records():
    data = sparse_coding(50, 8, 5.0, seed=0, device="cpu")
    net = TwoLayerNet(8, 16, seed=0)
    rec = train(net, data.x, data.y, lr=0.2, steps=6, batch_size=20, schedule="cosine",
                evaluate=lambda m: {"acc": float((m(data.x) * data.y > 0).float().mean())}, eval_every=4,
                sharpness_every=3)
    np.testing.assert_allclose(rec["lr"], 0.2 * 0.5 * (1 + np.cos(np.pi * np.arange(6) / 6)))
    assert rec["eval_step"].tolist() == [0, 4, 6] and rec["acc"].shape == (3,)
    assert rec["sharpness_step"].tolist() == [0, 3] and rec["sharpness"].shape == (2, 1)
    assert np.all(rec["sharpness"] > 0)


def test_cross_entropy_on_a_resnet():
    from eos.nn import ResNet18, median_bias

    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    net = ResNet18(10, width=4, seed=0)
    rec = train(net, x, y, lr=0.05, steps=2, criterion="cross_entropy", batch_size=4,
                param_stats=lambda m: {"median_bias": median_bias(m)})
    assert rec["loss"].shape == (2,) and rec["median_bias"].shape == (3,)
    assert np.all(np.isfinite(rec["loss"]))
