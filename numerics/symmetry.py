"""(S)GD on the Q&A network with a provably unit-symmetric floating-point operation order.

Claims QA.symmetry-preserved and QA.symmetry-broken. The network of the answer:

    h = σ(x W + b_h),   o = h V + b_o,   L = (t − o)²            (one output, m hidden units)

with W ∈ R^{p×m} (W_pq: input p → hidden q), b_h, V ∈ R^m, b_o ∈ R, σ from
``numerics.network.ACTIVATIONS``. Per sample, with r = o − t and z_q = x W_{:,q} + b_q:

    ∂L/∂V_q = 2 r h_q,   ∂L/∂b_q = 2 r V_q σ'(z_q),   ∂L/∂W_pq = 2 r V_q σ'(z_q) x_p,   ∂L/∂b_o = 2 r.

(The answer writes ∂L/∂W_11 = 2V_1(t − o)x_1(h_1² − 1) for tanh: the same number, since
(t − o)(h² − 1) = r(1 − h²) = r·tanh'.) GD sums these over the batch; SGD uses one sample
per step, in an order drawn from a seeded generator.

Why bit-identity is a property of the *claim* here and not of the BLAS: a vectorized
``X @ W`` may route different columns through different micro-kernels (edge tiles, SIMD lanes vs
scalar tails), summing the same numbers in different orders, and a vectorized ``np.tanh`` may
evaluate different array positions with different code paths. Either could split two identical
units by an ulp for reasons unrelated to the dynamics. So every per-unit quantity is computed
by one and the same sequence of scalar IEEE-754 operations for every unit:

* pre-activations and all batch sums use :func:`math.fsum`, which returns the *correctly
  rounded* sum of its (already rounded) terms — a function of the multiset of terms, whatever
  their order — and each term is a single rounded product of the same operands for twin units;
* σ and σ' are applied to a length-1 array holding the unit's own pre-activation, so every unit
  goes through the identical code path of the activation;
* the shared quantities (o, r) are the same numbers for all units by construction.

Hence two units with bit-identical (W_{:,q}, b_q, V_q) receive bit-identical gradients, and
bit-identical updates w ← w − α g, at every step: by induction they stay bit-identical. The
code is slow (Python scalars) and meant for small networks only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.network import Activation, check_data, get_activation

Array = NDArray[np.float64]


@dataclass
class QANet:
    """Parameters of h = σ(xW + b_h), o = hV + b_o (W is inputs × hidden)."""

    W: Array
    b_h: Array
    V: Array
    b_o: float

    def copy(self) -> "QANet":
        return QANet(self.W.copy(), self.b_h.copy(), self.V.copy(), float(self.b_o))

    def unit(self, q: int) -> Array:
        """All parameters of hidden unit q: (W_{:,q}, b_q, V_q)."""
        return np.concatenate([self.W[:, q], [self.b_h[q], self.V[q]]])


def make_qanet(W: ArrayLike, b_h: ArrayLike, V: ArrayLike, b_o: float) -> QANet:
    W = np.array(W, dtype=float)
    b_h = np.array(b_h, dtype=float)
    V = np.array(V, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"W: expected a 2-d array (inputs × hidden), got shape {W.shape}")
    m = W.shape[1]
    if b_h.shape != (m,):
        raise ValueError(f"b_h: expected shape ({m},), got {b_h.shape}")
    if V.shape != (m,):
        raise ValueError(f"V: expected shape ({m},), got {V.shape}")
    for name, arr in (("W", W), ("b_h", b_h), ("V", V), ("b_o", np.asarray(b_o))):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains NaN or inf")
    return QANet(W, b_h, V, float(b_o))


def _unit_act(sigma: Activation, z: float) -> tuple[float, float]:
    """σ(z), σ'(z) through the same length-1 code path for every unit."""
    a = np.array([z])
    return float(sigma(a)[0]), float(sigma.df(a)[0])


def _forward_sample(net: QANet, x: Array, sigma: Activation) -> tuple[list[float], list[float], float]:
    p, m = net.W.shape
    h, dh = [], []
    for q in range(m):
        z = math.fsum([x[i] * net.W[i, q] for i in range(p)] + [net.b_h[q]])
        hq, dq = _unit_act(sigma, z)
        h.append(hq)
        dh.append(dq)
    o = math.fsum([h[q] * net.V[q] for q in range(m)] + [net.b_o])
    return h, dh, o


def gradients(net: QANet, X: ArrayLike, t: ArrayLike, activation: str | Activation = "tanh") -> QANet:
    """∇L for L = Σ_samples (t − o)² over the rows of X, as a QANet of gradients (unit-symmetric order)."""
    sigma = get_activation(activation)
    X, t = check_data(X, t)
    if X.shape[1] != net.W.shape[0]:
        raise ValueError(f"X: expected {net.W.shape[0]} features, got {X.shape[1]}")
    p, m = net.W.shape
    terms_W = [[[] for _ in range(m)] for _ in range(p)]
    terms_b = [[] for _ in range(m)]
    terms_V = [[] for _ in range(m)]
    terms_bo = []
    for s in range(X.shape[0]):
        x = X[s]
        h, dh, o = _forward_sample(net, x, sigma)
        if not math.isfinite(o):
            raise ValueError(f"net: output {o!r} on sample {s} is not finite (the run diverged: inf/nan)")
        r2 = 2.0 * (o - t[s])
        terms_bo.append(r2)
        for q in range(m):
            terms_V[q].append(r2 * h[q])
            delta = (r2 * net.V[q]) * dh[q]
            terms_b[q].append(delta)
            for i in range(p):
                terms_W[i][q].append(delta * x[i])
    gW = np.array([[math.fsum(terms_W[i][q]) for q in range(m)] for i in range(p)])
    gb = np.array([math.fsum(terms_b[q]) for q in range(m)])
    gV = np.array([math.fsum(terms_V[q]) for q in range(m)])
    return QANet(gW, gb, gV, math.fsum(terms_bo))


def _update(net: QANet, g: QANet, lr: float) -> QANet:
    # elementwise w − lr·g: one multiply and one subtract per scalar, identical for twin units
    return QANet(net.W - lr * g.W, net.b_h - lr * g.b_h, net.V - lr * g.V, net.b_o - lr * g.b_o)


def _check_lr_steps(lr: float, steps: int) -> None:
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: expected a finite step > 0, got {lr!r}")
    if int(steps) < 0:
        raise ValueError(f"steps: expected ≥ 0, got {steps!r}")


def gd(net: QANet, X: ArrayLike, t: ArrayLike, lr: float, steps: int,
       activation: str | Activation = "tanh") -> list[QANet]:
    """Full-batch GD: the list of iterates θ_0, …, θ_steps."""
    _check_lr_steps(lr, steps)
    out = [net.copy()]
    for _ in range(int(steps)):
        out.append(_update(out[-1], gradients(out[-1], X, t, activation), lr))
    return out


def sgd(net: QANet, X: ArrayLike, t: ArrayLike, lr: float, steps: int, seed: int,
        activation: str | Activation = "tanh", batch: int = 1) -> list[QANet]:
    """SGD with mini-batches of ``batch`` samples drawn (without replacement within a step) from
    ``np.random.default_rng(seed)``: the list of iterates θ_0, …, θ_steps."""
    _check_lr_steps(lr, steps)
    X, t = check_data(X, t)
    if not 1 <= int(batch) <= X.shape[0]:
        raise ValueError(f"batch: expected 1..{X.shape[0]}, got {batch!r}")
    rng = np.random.default_rng(seed)
    out = [net.copy()]
    for _ in range(int(steps)):
        idx = rng.choice(X.shape[0], size=int(batch), replace=False)
        out.append(_update(out[-1], gradients(out[-1], X[idx], t[idx], activation), lr))
    return out


def units_bit_identical(net: QANet, q1: int, q2: int) -> bool:
    """True iff units q1 and q2 have bit-identical (W_{:,q}, b_q, V_q) (compared as int64 bit patterns)."""
    u1, u2 = net.unit(q1), net.unit(q2)
    return bool(np.array_equal(u1.view(np.int64), u2.view(np.int64)))


def unit_gradient_differences(g: QANet) -> Array:
    """Matrix D[q1, q2] = max |∇unit_q1 − ∇unit_q2| over the unit's parameters (W_{:,q}, b_q, V_q)."""
    m = g.W.shape[1]
    U = np.stack([g.unit(q) for q in range(m)])
    return np.abs(U[:, None, :] - U[None, :, :]).max(axis=2)
