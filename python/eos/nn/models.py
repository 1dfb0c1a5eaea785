"""The networks of the paper: the known-basis ReLU net (2), the two-layer net (7) and ResNet-18 for 32×32 inputs.

Notation as in the paper: d the input dimension, n the number of samples, y ∈ {±1} the label, l_logi(z) =
log(1 + e^{−z}) the logistic loss of the margin z = y f(x).
"""
from __future__ import annotations

import math
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn import functional as F


# ---------------------------------------------------------------------------------------------------------------
# Known-basis ReLU net (2): three parameters θ = (a⁻, a⁺, b)
# ---------------------------------------------------------------------------------------------------------------
def known_basis_net(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Net (2), the plain formula: f(x; a⁻, a⁺, b) = a⁻ Σᵢ ReLU(−x[i] + b) + a⁺ Σᵢ ReLU(x[i] + b).

    ``x`` (n, d), ``theta`` (..., 3) holding (a⁻, a⁺, b); returns f of shape (..., n). O(nd) per θ and
    differentiable by autograd: the reference that :class:`KnownBasisObjective` is tested against.
    """
    a_minus, a_plus, b = theta.unbind(-1)
    b = b[..., None, None]
    return a_minus[..., None] * F.relu(b - x).sum(-1) + a_plus[..., None] * F.relu(x + b).sum(-1)


class KnownBasisObjective:
    """The training loss of net (2) on one sample, L(θ) = (1/n) Σₖ l_logi(yₖ f(xₖ; θ)), for K parameter
    vectors at once.

    Every method takes ``theta`` of shape (K, 3) holding (a⁻, a⁺, b) per row and works on all rows together:
    this is what makes a learning-rate sweep one batched computation. The feature sums are exact but cheap:
    with each sample's coordinates sorted once, Σᵢ ReLU(x[i] + b) = (sum of the x[i] > −b) + b·#{x[i] > −b}
    is a binary search and two look-ups, O(n log d) per θ instead of O(nd). The bias b is trained, so the
    features are re-evaluated at every step; only the sorting is done once.

    Gradient and Hessian are written out by hand. The features are piecewise linear in b, so almost
    everywhere ∂²f/∂b² = 0, ∂²f/∂a⁻∂b = N⁻ = #{−x[i] + b > 0}, ∂²f/∂a⁺∂b = N⁺ = #{x[i] + b > 0}.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor):
        n, d = x.shape
        xs = x.sort(dim=1).values
        zero = xs.new_zeros(n, 1)
        # Both feature sums come from one search over 2n sorted rows (a GD step is a few dozen tiny tensor
        # operations, each ~2 µs of overhead, so fewer operations is what makes it faster): rows 0..n-1 hold x
        # sorted, and searching b gives N⁻ = #{x[i] < b}; rows n..2n-1 hold −x sorted, giving
        # N⁺ = #{−x[i] < b} = #{x[i] > −b}.
        self._keys = torch.cat([xs, (-xs).flip(1)]).contiguous()
        #: (2n, d+1), [c]: minus the sum of the c smallest coordinates (rows 0..n-1), the sum of the c largest
        #: (rows n..2n-1), so F = b N + prefix[N] for both halves. Two separate cumulative sums, so neither side
        #: is a difference of large numbers.
        self._prefix = torch.cat([torch.cat([zero, -xs.cumsum(1)], 1), torch.cat([zero, xs.flip(1).cumsum(1)], 1)])
        self.y = y
        self._y_col = y[:, None]
        self._neg_ny = -n * self._y_col  # ∓n: σ / (−n y) is −σ y / n, rounded once
        self.n, self.d = n, d

    def _features(self, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """F = (F⁻, F⁺) and N = (N⁻, N⁺), each of shape (2, n, K): sample-major, so the reductions over samples
        run over contiguous rows."""
        q = b.expand(2 * self.n, -1).contiguous()
        c = torch.searchsorted(self._keys, q)
        counts = c.to(b.dtype)
        f = q * counts + self._prefix.gather(1, c)
        return f.view(2, self.n, -1), counts.view(2, self.n, -1)

    def features(self, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """For biases ``b`` (K,): F⁻ = Σᵢ ReLU(−x[i] + b), F⁺ = Σᵢ ReLU(x[i] + b) and their b-derivatives
        N⁻, N⁺ (the counts of active units), each of shape (K, n)."""
        f, counts = self._features(b)
        return f[0].T, f[1].T, counts[0].T, counts[1].T

    def _margins(self, theta: torch.Tensor):
        """Margins yₖ f(xₖ; θ) (n, K), the features F and counts N (2, n, K), and (a⁻, a⁺) as (2, 1, K)."""
        f, counts = self._features(theta[:, 2])
        a = theta[:, :2].T.unsqueeze(1)
        margin = self._y_col * (a * f).sum(0)  # a⁻F⁻ + a⁺F⁺
        return margin, f, counts, a

    def outputs(self, theta: torch.Tensor) -> torch.Tensor:
        """f(xₖ; θ) of shape (K, n)."""
        return (self._margins(theta)[0] * self.y[:, None]).T

    def loss(self, theta: torch.Tensor) -> torch.Tensor:
        """L(θ) of shape (K,)."""
        return F.softplus(-self._margins(theta)[0]).mean(0)

    def accuracy(self, theta: torch.Tensor) -> torch.Tensor:
        """Fraction of samples with sign f(xₖ; θ) = yₖ, shape (K,)."""
        return (self._margins(theta)[0] > 0).to(theta.dtype).mean(0)

    def loss_and_grad(self, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """L(θ) of shape (K,) and ∇L(θ) of shape (K, 3)."""
        margin, f, counts, a = self._margins(theta)
        z = -margin
        return F.softplus(z).mean(0), (self._weights(z) * self._jacobian(f, counts, a)).sum(1).T

    def _weights(self, z: torch.Tensor) -> torch.Tensor:
        """l_logi'(margin) y / n = −σ(z) y / n at z = −margin, (n, K): the chain rule through margin = y f gives
        the factor y. Written σ(z) / (−n y): the same rounding, one operation."""
        return torch.sigmoid(z) / self._neg_ny

    @staticmethod
    def _jacobian(f: torch.Tensor, counts: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """∇θ f per sample, (3, n, K): (F⁻, F⁺, a⁻N⁻ + a⁺N⁺)."""
        return torch.cat([f, (a * counts).sum(0, keepdim=True)])

    def hessian(self, theta: torch.Tensor) -> torch.Tensor:
        """∇²L(θ) of shape (K, 3, 3): (1/n) Σₖ [l''(zₖ) ∇fₖ∇fₖᵀ + l'(zₖ) yₖ ∇²fₖ], exact almost everywhere."""
        margin, f, counts, a = self._margins(theta)
        curv = torch.sigmoid(margin) * torch.sigmoid(-margin) / self.n  # l_logi''(z) / n
        jac = self._jacobian(f, counts, a).permute(1, 2, 0).contiguous()  # (n, K, 3): einsum's order of sums
        hess = torch.einsum("nk,nki,nkj->kij", curv, jac, jac)
        cross = (self._weights(-margin) * counts).sum(1).T  # (K, 2): Σ l' y N∓ / n
        hess[:, :2, 2] += cross
        hess[:, 2, :2] += cross
        return hess


def known_basis_init(d: int, *, sigma: float | None = None, seed: int = 0) -> tuple[float, float, float]:
    """Initial (a⁻, a⁺, b) for net (2): a± ~ N(0, σ²) independently, b = 0.

    The default σ = 1/(√2 d) makes A0 = d(a⁻ + a⁺) ~ N(0, 1), the Θ(1) start the theory assumes (SPEC §3;
    the paper's garbled "N(0, 1/(2d))" read as a variance of 1/(2d²)).
    """
    sigma = 1.0 / (math.sqrt(2.0) * d) if sigma is None else sigma
    a = torch.randn(2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * sigma
    return float(a[0]), float(a[1]), 0.0


# ---------------------------------------------------------------------------------------------------------------
# Two-layer net (7) with unknown basis
# ---------------------------------------------------------------------------------------------------------------
class TwoLayerNet(nn.Module):
    """Net (7): f(x; a, W, b) = Σᵢ₌₁ᵐ aᵢ ReLU(⟨wᵢ, x⟩ + bᵢ) with ``a`` (m,), ``W`` (m, d), ``b`` (m,).

    Initialised as in App. A.1: a ~ N(0, I/m), wᵢ ~ N(0, I/d), b = 0, drawn on the CPU from ``seed`` so the
    start is the same on every device.
    """

    def __init__(self, d: int, m: int, *, seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.W = nn.Parameter(torch.randn(m, d, generator=gen) / math.sqrt(d))
        self.b = nn.Parameter(torch.zeros(m))
        self.a = nn.Parameter(torch.randn(m, generator=gen) / math.sqrt(m))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (n, d) → f (n,)."""
        return F.relu(F.linear(x, self.W, self.b)) @ self.a


# ---------------------------------------------------------------------------------------------------------------
# ResNet-18 for 32×32 inputs
# ---------------------------------------------------------------------------------------------------------------
class BasicBlock(nn.Module):
    """Two 3×3 conv + BatchNorm layers with an identity (or 1×1 conv + BN) shortcut, ReLU after the sum."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 in its usual CIFAR form: a 3×3 stem without max-pool, BasicBlocks [2, 2, 2, 2] of widths
    w, 2w, 4w, 8w (w = 64), global average pooling and a linear head.

    ``num_outputs`` = 1 for binary classification (one logit, returned with shape (N,)), 10 for CIFAR-10
    (logits (N, 10)). Input (N, 3, 32, 32). The convolutions carry no bias; the bias of a conv layer is the
    shift of the BatchNorm that follows it, so the "bias of the last conv layer" is ``last_bn.bias`` (8w,).
    """

    def __init__(self, num_outputs: int = 10, width: int = 64, *, seed: int = 0):
        super().__init__()
        # nn.Module initialisers draw from the global generator: seed it inside a fork, leave the caller's alone
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self._build(width, num_outputs)
        self.num_outputs = num_outputs

    def _build(self, width: int, num_outputs: int) -> None:
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        blocks, c_in = [], width
        for i, stride in enumerate((1, 2, 2, 2)):
            c_out = width * 2**i
            blocks += [BasicBlock(c_in, c_out, stride), BasicBlock(c_out, c_out, 1)]
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, num_outputs)

    @property
    def last_bn(self) -> nn.BatchNorm2d:
        """The BatchNorm after the last convolution before pooling; its ``bias`` is the bias the paper tracks."""
        return self.blocks[-1].bn2

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The post-ReLU output of the last block, right before pooling: (N, 8w, 4, 4)."""
        return self.blocks(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.head(self.features(x).mean((2, 3)))
        return out.squeeze(1) if self.num_outputs == 1 else out


def median_bias(model: ResNet18) -> float:
    """Median over channels of the last conv layer's bias (the shift of ``model.last_bn``)."""
    return float(model.last_bn.bias.detach().float().quantile(0.5))


@contextmanager
def batch_statistics(model: nn.Module):
    """Run every BatchNorm on the statistics of the batch it sees, without updating its running averages.

    This is the mode GD trains in (train-mode normalisation), made side-effect free so that evaluating
    statistics or Hessian-vector products does not move the running buffers (and so torch.func transforms,
    which forbid in-place updates of captured buffers, can run through the model).
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.training, m.track_running_stats) for m in bns]
    for m in bns:
        m.train()
        m.track_running_stats = False
    try:
        yield model
    finally:
        for m, (training, track) in zip(bns, saved):
            m.training, m.track_running_stats = training, track


@torch.no_grad()
def resnet_statistics(model: ResNet18, x: torch.Tensor, *, chunk_size: int = 1000) -> dict[str, float]:
    """Average logit and average activation of ``model`` over the images ``x`` (N, 3, 32, 32).

    ``avg_logit`` is the mean network output (over samples, and over classes when there are 10);
    ``avg_activation`` the post-ReLU output of the last conv layer averaged over channels, positions and
    samples. BatchNorm uses batch statistics per chunk of ``chunk_size`` images, as in training.
    """
    logit = act = 0.0
    with batch_statistics(model):
        for xc in x.split(chunk_size):
            feats = model.features(xc)
            logit += float(model.head(feats.mean((2, 3))).sum()) / model.num_outputs
            act += float(feats.mean((1, 2, 3)).sum())
    return {"avg_logit": logit / len(x), "avg_activation": act / len(x)}
