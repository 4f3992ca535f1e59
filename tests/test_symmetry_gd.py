"""numerics.symmetry as an optimizer (QA.symmetry-preserved, QA.symmetry-broken): the gradients are
those of L = Σ_s (t_s − o_s)², a (S)GD step is θ − α∇L in every parameter block, and the inputs
are validated. The claim tests only compare twin units with each other, which a wrong update
applied to both twins alike would pass; these tests pin the update itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics import symmetry as sym


def _problem(seed: int = 0, n: int = 5, p: int = 3, m: int = 4):
    rng = np.random.default_rng(seed)
    net = sym.make_qanet(rng.normal(size=(p, m)), rng.normal(size=m), rng.normal(size=m), rng.normal())
    return net, rng.normal(size=(n, p)), rng.normal(size=n)


def _loss(net: sym.QANet, X: np.ndarray, t: np.ndarray) -> float:
    o = np.tanh(X @ net.W + net.b_h) @ net.V + net.b_o
    return float(np.sum((t - o) ** 2))


def _flat(net: sym.QANet) -> np.ndarray:
    return np.concatenate([net.W.ravel(), net.b_h, net.V, [net.b_o]])


def _unflat(theta: np.ndarray, p: int, m: int) -> sym.QANet:
    W = theta[: p * m].reshape(p, m)
    return sym.QANet(W, theta[p * m: p * m + m], theta[p * m + m: p * m + 2 * m], float(theta[-1]))


def test_gradients_match_central_differences_of_the_squared_loss_in_every_block():
    net, X, t = _problem()
    p, m = net.W.shape
    g = _flat(sym.gradients(net, X, t, "tanh"))
    theta = _flat(net)
    h = 1e-6  # central differences: truncation O(h²) ≈ 1e-12, rounding O(eps·L/h) ≈ 1e-9
    fd = np.array([(_loss(_unflat(theta + h * e, p, m), X, t) - _loss(_unflat(theta - h * e, p, m), X, t)) / (2 * h)
                   for e in np.eye(theta.size)])
    np.testing.assert_allclose(g, fd, rtol=0, atol=1e-6)


def test_one_gd_step_is_theta_minus_lr_times_gradient_in_every_block():
    net, X, t = _problem(1)
    lr = 0.01
    traj = sym.gd(net, X, t, lr=lr, steps=1)
    assert len(traj) == 2
    g = sym.gradients(net, X, t)
    np.testing.assert_array_equal(_flat(traj[1]), _flat(net) - lr * _flat(g))
    assert _loss(traj[1], X, t) < _loss(net, X, t)  # a small step along −∇L descends


def test_zero_steps_return_the_initial_network_only():
    net, X, t = _problem(2)
    traj = sym.gd(net, X, t, lr=0.1, steps=0)
    assert len(traj) == 1
    np.testing.assert_array_equal(_flat(traj[0]), _flat(net))
    assert len(sym.sgd(net, X, t, lr=0.1, steps=0, seed=0)) == 1


def test_sgd_with_the_whole_batch_is_gd():
    """Drawn without replacement, a batch of all n samples is the data set itself (in some order),
    and fsum makes the gradient independent of the order."""
    net, X, t = _problem(3)
    a = sym.gd(net, X, t, lr=0.05, steps=3)
    b = sym.sgd(net, X, t, lr=0.05, steps=3, seed=7, batch=X.shape[0])
    for u, v in zip(a, b):
        np.testing.assert_array_equal(_flat(u), _flat(v))


def test_sgd_default_batch_is_one_sample_per_step():
    net, X, t = _problem(4)
    step = sym.sgd(net, X, t, lr=0.05, steps=1, seed=11)[1]
    singles = [_flat(net) - 0.05 * _flat(sym.gradients(net, X[i:i + 1], t[i:i + 1])) for i in range(X.shape[0])]
    assert any(np.array_equal(_flat(step), s) for s in singles)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0.0, steps=1), "lr"), (dict(lr=-0.1, steps=1), "lr"), (dict(lr=float("nan"), steps=1), "lr"),
    (dict(lr=0.1, steps=-1), "steps"),
])
def test_gd_and_sgd_reject_nonsense_step_and_length(kwargs, name):
    net, X, t = _problem()
    with pytest.raises(ValueError, match=name):
        sym.gd(net, X, t, **kwargs)
    with pytest.raises(ValueError, match=name):
        sym.sgd(net, X, t, seed=0, **kwargs)


@pytest.mark.parametrize("batch", [0, 6])
def test_sgd_rejects_a_batch_outside_one_to_n(batch):
    net, X, t = _problem()
    with pytest.raises(ValueError, match="batch"):
        sym.sgd(net, X, t, lr=0.1, steps=1, seed=0, batch=batch)


def test_make_qanet_rejects_a_V_of_the_wrong_length():
    with pytest.raises(ValueError, match="V: expected shape"):
        sym.make_qanet(np.ones((2, 3)), np.ones(3), np.ones(2), 0.0)


def test_gradients_refuse_a_diverged_network():
    """x + x² of a pre-activation 1e200 overflows to inf, and so does the output: an error naming
    the network, not a gradient of infs."""
    net = sym.make_qanet(np.full((1, 2), 1e200), np.zeros(2), np.ones(2), 0.0)
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="net: output .* not finite"):
        sym.gradients(net, np.ones((1, 1)), np.zeros(1), "x_plus_x2")
