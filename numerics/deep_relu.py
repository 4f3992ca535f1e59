"""Minimal deep ReLU networks with a linear last layer, and losses of the output matrix P (SS16 §2–3).

Signatures (the whole public API)::

    Params = list[tuple[ndarray, ndarray | None]]      # [(W_1, b_1), …, (W_h, None)]
    init_params(widths: Sequence[int], law, rng: np.random.Generator, *, bias: bool = True,
                batch: int | None = None, output_law=None) -> Params
    forward(params: Params, X: ArrayLike) -> ndarray              # P, shape (m, k)
    last_hidden(params: Params, X: ArrayLike) -> ndarray          # O_{h−1}, shape (m, n_{h−1})
    scale_last_layer(params: Params, c: float) -> Params          # W_h ↦ c·W_h (so P ↦ c·P)
    depth(params: Params) -> int                                  # h
    squared_loss(P: ArrayLike, Y: ArrayLike) -> float             # (1/m) Σ_t ‖P_t − Y_t‖²
    softmax_xent(P: ArrayLike, Y: ArrayLike) -> float             # (1/m) Σ_t −log softmax(P_t)_{j_t}
    # batches: init_params(..., batch=B) -> arrays with a leading axis B; forward -> (B, m, k);
    # the losses of a (B, m, k) batch -> an array of B values.
    zero_output(Y: ArrayLike, k: int) -> ndarray                  # the all-zeros P (for L(0))
    LOSSES: dict[str, Callable]                                   # {"squared": …, "softmax_xent": …}

The network (SS16 eq. (1)): O_0 = x, O_i = [W_i O_{i−1} + b_i]_+ for i < h, and the output
O_h = W_h O_{h−1} is linear without bias. ``widths = [d, n_1, …, n_{h−1}, k]`` gives depth
h = len(widths) − 1 ≥ 2; W_i has shape (n_i, n_{i−1}). Rows are data points: X is (m, d) and
P = N(W)(X) is the (m, k) matrix of SS16 §3, with L(P) the average loss over the m rows.

Initialization (SS16 Assumption 1): every neuron's weight vector *including its bias*,
(w, b) ∈ R^{n_{i−1}+1}, is one independent draw of ``law`` (an object with
``law.sample(rng, n_neurons, dim) -> (n_neurons, dim)``, e.g. :mod:`numerics.init_laws`); each
output neuron's weights w ∈ R^{n_{h−1}} likewise (no bias). ``bias=False`` drops the hidden
biases (the two-layer convention of SS16 §4; for depth ≥ 3 it drops a hypothesis of Prop. 1).

Losses (convex in P): squared loss with targets Y of shape (m, k) or (m,) when k = 1, so
L(0) = (1/m)Σ_t‖Y_t‖²; softmax cross-entropy with Y integer labels (m,) or one-hot (m, k), so
L(0) = log k. Used by claims SS16.Thm1, SS16.Prop1, SS16.Prop2.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Params = list[tuple[Array, "Array | None"]]

__all__ = [
    "Params",
    "init_params",
    "forward",
    "last_hidden",
    "scale_last_layer",
    "depth",
    "squared_loss",
    "softmax_xent",
    "zero_output",
    "LOSSES",
]


def _finite_matrix(A: ArrayLike, name: str, ndim: int = 2) -> Array:
    try:
        arr = np.asarray(A, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not a numeric array") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: empty array (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite entries")
    return arr


def init_params(
    widths: Sequence[int],
    law: Any,
    rng: np.random.Generator,
    *,
    bias: bool = True,
    batch: int | None = None,
    output_law: Any = None,
) -> Params:
    """Draw [(W_1, b_1), …, (W_h, None)] neuron by neuron from ``law`` (Assumption 1, see module doc).

    ``output_law`` (default: ``law``) draws the output neurons' weights W_h instead — for
    negative controls that break Assumption 1 on the last layer only.

    ``batch=B`` draws B independent networks at once: every array gets a leading axis of length
    B (W_i: (B, n_i, n_{i−1}), b_i: (B, n_i)); :func:`forward` then returns P of shape (B, m, k).
    """
    ws = list(widths)
    if len(ws) < 3:
        raise ValueError(f"widths: need [d, n_1, …, n_(h−1), k] with depth h ≥ 2, got {widths!r}")
    for w in ws:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise ValueError(f"widths: every width must be a positive integer, got {widths!r}")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1):
        raise ValueError(f"batch: must be a positive integer or None, got {batch!r}")
    if not hasattr(law, "sample"):
        raise ValueError(f"law: needs a sample(rng, n_neurons, dim) method, got {law!r}")
    out_law = law if output_law is None else output_law
    if not hasattr(out_law, "sample"):
        raise ValueError(f"output_law: needs a sample(rng, n_neurons, dim) method, got {output_law!r}")
    B = 1 if batch is None else int(batch)

    def draw(n_neurons: int, dim: int, law: Any = law) -> Array:
        Z = np.asarray(law.sample(rng, B * n_neurons, dim), dtype=float)  # B·n i.i.d. neurons
        return Z[0:n_neurons] if batch is None else Z.reshape(B, n_neurons, dim)

    params: Params = []
    h = len(ws) - 1
    for i in range(1, h):
        Z = draw(ws[i], ws[i - 1] + (1 if bias else 0))
        W = np.ascontiguousarray(Z[..., : ws[i - 1]])
        b = np.ascontiguousarray(Z[..., ws[i - 1]]) if bias else None
        params.append((W, b))
    params.append((np.ascontiguousarray(draw(ws[h], ws[h - 1], out_law)), None))
    return params


def _finite_weights(W: ArrayLike, name: str) -> Array:
    arr = np.asarray(W, dtype=float)
    if arr.ndim not in (2, 3) or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: need a finite (n_out, n_in) matrix (or a batch of them), got shape {arr.shape}")
    return arr


def _check_params(params: Params) -> None:
    if not isinstance(params, (list, tuple)) or len(params) < 2:
        raise ValueError("params: need a list [(W_1, b_1), …, (W_h, None)] with h ≥ 2 layers")
    for i, layer in enumerate(params, start=1):
        if not (isinstance(layer, tuple) and len(layer) == 2):
            raise ValueError(f"params: layer {i} must be a pair (W, b)")
    if params[-1][1] is not None:
        raise ValueError("params: the last layer is linear without bias (its b must be None)")


def depth(params: Params) -> int:
    """The depth h (number of weight layers)."""
    _check_params(params)
    return len(params)


def last_hidden(params: Params, X: ArrayLike) -> Array:
    """O_{h−1}(X): the (m, n_{h−1}) outputs of the last hidden layer (all ≥ 0); (B, m, n_{h−1}) if batched."""
    _check_params(params)
    O = _finite_matrix(X, "X")
    width = O.shape[1]
    for i, (W, b) in enumerate(params[:-1], start=1):
        W = _finite_weights(W, f"params[{i - 1}].W")
        if W.shape[-1] != width:
            raise ValueError(
                f"params[{i - 1}].W: shape {W.shape} does not take inputs of width {width}"
                + (" (X has the wrong number of columns)" if i == 1 else "")
            )
        if b is not None:
            bb = np.asarray(b, dtype=float)
            if bb.shape != W.shape[:-1] or not np.all(np.isfinite(bb)):
                raise ValueError(f"params[{i - 1}].b: need finite entries of shape {W.shape[:-1]}")
        width = W.shape[-2]
    return _hidden_unchecked(params, O)


def forward(params: Params, X: ArrayLike) -> Array:
    """P = N(W)(X) = O_{h−1}(X) W_hᵀ: the (m, k) output matrix (linear last layer, no bias).

    For a batch of networks (``init_params(..., batch=B)``) P has shape (B, m, k).
    """
    O = last_hidden(params, X)
    Wh = _finite_weights(params[-1][0], f"params[{len(params) - 1}].W")
    if Wh.shape[-1] != O.shape[-1]:
        raise ValueError(f"params[{len(params) - 1}].W: shape {Wh.shape} does not take width {O.shape[-1]}")
    return O @ np.swapaxes(Wh, -1, -2)


def _hidden_unchecked(params: Params, X: Array) -> Array:
    O = X
    for W, b in params[:-1]:
        Z = O @ np.swapaxes(W, -1, -2)  # (…, m, n_i)
        if b is not None:
            Z = Z + np.asarray(b)[..., None, :]
        O = np.maximum(Z, 0.0)
    return O


def _forward_unchecked(params: Params, X: Array) -> Array:
    """:func:`forward` without input validation, for Monte Carlo inner loops on validated inputs."""
    return _hidden_unchecked(params, X) @ np.swapaxes(params[-1][0], -1, -2)


def scale_last_layer(params: Params, c: float) -> Params:
    """The same network with W_h ↦ c·W_h, so that P ↦ c·P (the rescaling behind SS16.Thm1)."""
    _check_params(params)
    c = float(c)
    if not np.isfinite(c):
        raise ValueError(f"c: must be finite, got {c!r}")
    return [*params[:-1], (c * np.asarray(params[-1][0], dtype=float), None)]


def _predictions(P: ArrayLike) -> Array:
    arr = np.asarray(P, dtype=float)
    if arr.ndim not in (2, 3) or arr.size == 0:
        raise ValueError(f"P: need an (m, k) prediction matrix (or a batch (B, m, k)), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("P: contains NaN or infinite entries")
    return arr


def _targets(P: Array, Y: ArrayLike) -> Array:
    Yarr = np.asarray(Y, dtype=float)
    if Yarr.ndim == 1 and P.shape[-1] == 1:
        Yarr = Yarr[:, None]
    Yarr = _finite_matrix(Yarr, "Y")
    if Yarr.shape != P.shape[-2:]:
        raise ValueError(f"Y: shape {Yarr.shape} does not match P of shape {P.shape}")
    return Yarr


def _reduce(values: Array) -> Any:
    """A float for one network, an array of shape (B,) for a batch."""
    return float(values) if values.ndim == 0 else values


def squared_loss(P: ArrayLike, Y: ArrayLike) -> float:
    """L(P) = (1/m) Σ_t ‖P_t − Y_t‖² (SS16 §3); Y is (m, k), or (m,) when k = 1.

    A batch P of shape (B, m, k) gives the B losses as an array.
    """
    P = _predictions(P)
    Yarr = _targets(P, Y)
    return _reduce(np.sum((P - Yarr) ** 2, axis=(-2, -1)) / P.shape[-2])


def _labels(Y: ArrayLike, m: int, k: int) -> NDArray[np.int64]:
    Yarr = np.asarray(Y)
    if Yarr.ndim == 1:
        if Yarr.shape[0] != m:
            raise ValueError(f"Y: {Yarr.shape[0]} labels for {m} rows of P")
        if not np.issubdtype(Yarr.dtype, np.integer):
            if not (np.issubdtype(Yarr.dtype, np.floating) and np.all(np.isfinite(Yarr)) and np.all(Yarr == np.round(Yarr))):
                raise ValueError("Y: labels must be integers in [0, k)")
        lab = Yarr.astype(np.int64)
    elif Yarr.ndim == 2:
        if Yarr.shape != (m, k):
            raise ValueError(f"Y: one-hot shape {Yarr.shape} does not match P with (m, k) = {(m, k)}")
        if not (np.all((Yarr == 0) | (Yarr == 1)) and np.all(Yarr.sum(axis=1) == 1)):
            raise ValueError("Y: a 2-D Y must be one-hot (one 1 per row, zeros elsewhere)")
        lab = np.argmax(Yarr, axis=1).astype(np.int64)
    else:
        raise ValueError(f"Y: labels (m,) or one-hot (m, k), got shape {Yarr.shape}")
    if np.any(lab < 0) or np.any(lab >= k):
        raise ValueError(f"Y: labels must lie in [0, {k})")
    return lab


def softmax_xent(P: ArrayLike, Y: ArrayLike) -> float:
    """L(P) = (1/m) Σ_t [log Σ_j exp(P_tj) − P_{t,j_t}] (softmax cross-entropy, SS16 §3).

    Y: integer labels j_t (m,) or one-hot (m, k). Computed with a max-shifted log-sum-exp.
    L(0) = log k. A batch P of shape (B, m, k) gives the B losses as an array.
    """
    P = _predictions(P)
    m, k = P.shape[-2:]
    lab = _labels(Y, m, k)
    mx = P.max(axis=-1, keepdims=True)
    lse = mx[..., 0] + np.log(np.sum(np.exp(P - mx), axis=-1))
    picked = np.take_along_axis(P, np.broadcast_to(lab[:, None], P.shape[:-1] + (1,)), axis=-1)[..., 0]
    return _reduce(np.mean(lse - picked, axis=-1))


def zero_output(Y: ArrayLike, k: int) -> Array:
    """The all-zeros prediction matrix (m, k) for the m rows of Y (so L(0) = loss(zero_output(Y, k), Y))."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k: must be a positive integer, got {k!r}")
    m = np.asarray(Y).shape[0] if np.asarray(Y).ndim >= 1 else 0
    if m < 1:
        raise ValueError("Y: need at least one data point")
    return np.zeros((m, int(k)))


LOSSES: dict[str, Callable[[ArrayLike, ArrayLike], float]] = {
    "squared": squared_loss,
    "softmax_xent": softmax_xent,
}
