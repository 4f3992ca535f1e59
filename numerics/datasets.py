"""Training sets for the basin-probability theorems of SS16, each checking its hypotheses.

Every generator returns a frozen dataclass holding ``X`` (m × d, rows x_t) and ``y`` (m,) and the
quantities its theorem is stated in; every validator raises ``ValueError`` naming the failed
hypothesis (and the argument it concerns). Conventions of CLAIMS.md: N_n(W, v)(x) =
Σ_i v_i [⟨w_i, x⟩]_+, L_S = (1/m) Σ_t (N(x_t) − y_t)².

* :func:`singleton_data`, :func:`auer_singleton_data` — SS16.Thm2, SS16.AppC, SS16.brittleness:
  each x_t is non-zero in exactly one coordinate ("singleton").
* :func:`full_row_rank_data` — SS16.Thm4: rank X = m (so m ≤ d).
* :func:`clustered_data` — SS16.Thm5: k ≤ d clusters with the printed δ, c, B, γ conditions.
* :func:`realizable_lowrank_data` — SS16.Thm3: ‖x_t‖ ≤ 1, rank X = r, y realized exactly by a
  width-n net with |v_i*|·‖w_i*‖ ≤ B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.network import check_data

Array = NDArray[np.float64]

__all__ = [
    "SingletonData",
    "singleton_data",
    "auer_singleton_data",
    "check_singleton",
    "FullRankData",
    "full_row_rank_data",
    "check_full_row_rank",
    "ClusteredData",
    "clustered_data",
    "check_clusters",
    "thm5_radius_ratio",
    "RealizableData",
    "realizable_lowrank_data",
    "check_realizable",
]


# --------------------------------------------------------------------------- singleton data
@dataclass(frozen=True)
class SingletonData:
    """Singleton data: x_t = s_t·e_{j_t} with s_t ≠ 0 (SS16 §4.1, App. C)."""

    X: Array
    y: Array
    coord: NDArray[np.int64]  # j_t, the non-zero coordinate of x_t
    scale: Array  # s_t, the non-zero entry of x_t


def check_singleton(X: ArrayLike, y: ArrayLike) -> SingletonData:
    """Validate SS16.Thm2's hypothesis "each x_t is a singleton"; return the decomposition."""
    X, y = check_data(X, y)
    nnz = np.count_nonzero(X, axis=1)
    bad = np.flatnonzero(nnz != 1)
    if bad.size:
        raise ValueError(
            f"X: hypothesis 'each x_t is a singleton' fails: row {int(bad[0])} has "
            f"{int(nnz[bad[0]])} non-zero coordinates"
        )
    coord = np.argmax(X != 0, axis=1).astype(np.int64)
    scale = X[np.arange(X.shape[0]), coord]
    return SingletonData(X=X, y=y, coord=coord, scale=scale)


def singleton_data(
    d: int, per_side: int, rng: np.random.Generator, *, max_scale: int = 3, max_target: int = 4
) -> SingletonData:
    """Random integer singleton data: on each coordinate j, ``per_side`` points s·e_j with s > 0
    and ``per_side`` with s < 0 (|s| ∈ {1..max_scale}), targets y ∈ {−max_target..max_target}.

    Integer entries make every basin value a rational with a small denominator, so the
    comparisons Bas ≤ α of SS16.Thm2 can be done in exact integer arithmetic
    (numerics.basin_probability). Targets on a side are redrawn until their least-squares
    coefficient on that side is non-zero, so all 2d one-dimensional problems are non-trivial
    (the theorem's union bound over 2d events is then not loose by construction).
    """
    if int(d) < 1:
        raise ValueError(f"d: need at least one coordinate, got {d}")
    if int(per_side) < 1:
        raise ValueError(f"per_side: need at least one point per side, got {per_side}")
    rows, ys = [], []
    for j in range(int(d)):
        for side in (+1, -1):
            while True:
                s = side * rng.integers(1, max_scale + 1, size=per_side)
                t = rng.integers(-max_target, max_target + 1, size=per_side)
                if np.dot(np.abs(s), t) != 0:
                    break
            for sk, tk in zip(s, t):
                x = np.zeros(int(d))
                x[j] = float(sk)
                rows.append(x)
                ys.append(float(tk))
    return check_singleton(np.array(rows), np.array(ys))


def auer_singleton_data(d: int, a: float = 0.5) -> SingletonData:
    """The Auer-type set of SS16 App. C (reconstructed): per coordinate j the two points
    (e_j, 1) and (−e_j, a), 0 < a < 1.

    For one neuron x ↦ [⟨w, x⟩]_+ the loss separates over coordinates; along coordinate j the
    basin w_j > 0 has value a² (the point −e_j is inactive) and the basin w_j < 0 has value 1 (the
    point e_j is inactive): two basins with distinct minima, only the first one optimal.
    """
    if int(d) < 1:
        raise ValueError(f"d: need at least one coordinate, got {d}")
    if not (0.0 < float(a) < 1.0):
        raise ValueError(f"a: the Auer-type construction needs 0 < a < 1, got {a}")
    d = int(d)
    X = np.concatenate([np.eye(d), -np.eye(d)])
    y = np.concatenate([np.ones(d), np.full(d, float(a))])
    return check_singleton(X, y)


# --------------------------------------------------------------------------- full row rank
@dataclass(frozen=True)
class FullRankData:
    """Data with rank X = m (SS16.Thm4)."""

    X: Array
    y: Array


def check_full_row_rank(X: ArrayLike, y: ArrayLike) -> FullRankData:
    """Validate SS16.Thm4's hypothesis rank X = m (which forces m ≤ d)."""
    X, y = check_data(X, y)
    m, d = X.shape
    if m > d:
        raise ValueError(f"X: hypothesis 'rank X = m' fails: m = {m} > d = {d}")
    s = np.linalg.svd(X, compute_uv=False)
    tol = s.max() * max(X.shape) * np.finfo(float).eps  # numpy.linalg.matrix_rank's default
    if s.min() <= tol:
        raise ValueError(
            f"X: hypothesis 'rank X = m' fails: smallest singular value {s.min():.3e} ≤ {tol:.3e}"
        )
    return FullRankData(X=X, y=y)


def full_row_rank_data(
    m: int, d: int, rng: np.random.Generator, *, orthogonal: bool = False
) -> FullRankData:
    """m Gaussian points in R^d (m ≤ d) with Gaussian targets; ``orthogonal`` gives
    orthonormal rows (then the neurons' signs on different points are independent)."""
    if int(m) > int(d):
        raise ValueError(f"m: hypothesis 'rank X = m' needs m ≤ d, got m = {m} > d = {d}")
    X = rng.standard_normal((int(m), int(d)))
    if orthogonal:
        q, _ = np.linalg.qr(X.T)
        X = q.T.copy()
    y = rng.standard_normal(int(m))
    return check_full_row_rank(X, y)


# --------------------------------------------------------------------------- clusters
def thm5_radius_ratio(d: int) -> float:
    """The bound 2·sin(√(2π)/(16·d·√d)) on δ_j/‖c_j‖ in SS16.Thm5."""
    return 2.0 * math.sin(math.sqrt(2.0 * math.pi) / (16.0 * d * math.sqrt(d)))


@dataclass(frozen=True)
class ClusteredData:
    """Clustered data of SS16.Thm5 and the constants the theorem is stated in."""

    X: Array
    y: Array
    centers: Array  # C, k × d (rows c_j)
    label: NDArray[np.int64]  # the cluster of x_t
    radii: Array  # δ_j
    y_hat: Array  # ŷ_j: the target of one instance of cluster j (the first)
    c: float  # min_j ‖c_j‖
    B: float  # max_t ‖x_t‖
    gamma: float  # the Lipschitz constant γ within clusters

    @property
    def delta(self) -> float:
        return float(self.radii.max())

    @property
    def sigma_min(self) -> float:
        return float(np.linalg.svd(self.centers, compute_uv=False).min())

    @property
    def sigma_max(self) -> float:
        return float(np.linalg.svd(self.centers, compute_uv=False).max())


def check_clusters(
    X: ArrayLike,
    y: ArrayLike,
    centers: ArrayLike,
    radii: ArrayLike,
    *,
    B: float,
    gamma: float,
) -> ClusteredData:
    """Validate the hypotheses of SS16.Thm5 (ValueError names the one that fails):

    * k ≤ d clusters, centres in general position (rank C = k, needed for σ_min(Cᵀ) > 0);
    * each x_t lies within δ_j of exactly one centre c_j, which is also its unique nearest centre;
    * δ_j/‖c_j‖ ≤ 2 sin(√(2π)/(16 d√d)) for all j, and ‖c_j‖ ≥ c := min_j ‖c_j‖ > 0;
    * ‖x_t‖ ≤ B;
    * |y_t − y_t'| ≤ γ‖x_t − x_t'‖ for x_t, x_t' in the same cluster.
    """
    X, y = check_data(X, y)
    C = np.asarray(centers, dtype=float)
    r = np.asarray(radii, dtype=float)
    m, d = X.shape
    if C.ndim != 2 or C.shape[1] != d:
        raise ValueError(f"centers: expected shape (k, {d}), got {C.shape}")
    k = C.shape[0]
    if r.shape != (k,) or not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(f"radii: expected {k} positive radii δ_j, got {r!r}")
    if k > d:
        raise ValueError(f"centers: hypothesis 'k ≤ d clusters' fails: k = {k} > d = {d}")
    if np.linalg.matrix_rank(C) < k:
        raise ValueError("centers: hypothesis 'centres in general position' fails: rank C < k")
    norms = np.linalg.norm(C, axis=1)
    ratio = thm5_radius_ratio(d)
    if np.any(r / norms > ratio):
        j = int(np.argmax(r / norms))
        raise ValueError(
            f"radii: hypothesis 'δ_j/‖c_j‖ ≤ 2 sin(√(2π)/(16 d√d)) = {ratio:.4g}' fails for cluster {j}: "
            f"{r[j] / norms[j]:.4g}"
        )
    dist = np.linalg.norm(X[:, None, :] - C[None, :, :], axis=2)  # m × k
    within = dist <= r[None, :]
    count = within.sum(axis=1)
    if np.any(count != 1):
        t = int(np.flatnonzero(count != 1)[0])
        raise ValueError(
            f"X: hypothesis 'each x_t within δ_j of a unique centre' fails at t = {t} "
            f"({int(count[t])} centres)"
        )
    label = np.argmax(within, axis=1).astype(np.int64)
    if np.any(np.argmin(dist, axis=1) != label):
        raise ValueError("X: hypothesis 'the nearest centre of x_t is its cluster's centre' fails")
    xn = np.linalg.norm(X, axis=1)
    if not math.isfinite(B) or np.any(xn > B):
        raise ValueError(f"B: hypothesis '‖x_t‖ ≤ B' fails: max ‖x_t‖ = {xn.max():.6g} > B = {B}")
    if not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f"gamma: must be a finite non-negative constant, got {gamma}")
    y_hat = np.empty(k)
    for j in range(k):
        idx = np.flatnonzero(label == j)
        if idx.size == 0:
            raise ValueError(f"centers: cluster {j} has no data point")
        y_hat[j] = y[idx[0]]
        dy = np.abs(y[idx][:, None] - y[idx][None, :])
        dx = np.linalg.norm(X[idx][:, None, :] - X[idx][None, :, :], axis=2)
        # γ-Lipschitz within the cluster; the slack is float rounding of the products (ulp-level)
        if np.any(dy > gamma * dx + 1e-12 * (1.0 + np.abs(y[idx]).max())):
            raise ValueError(
                f"gamma: hypothesis '|y_t − y_t'| ≤ γ‖x_t − x_t'‖ within a cluster' fails in cluster {j}"
            )
    return ClusteredData(
        X=X, y=y, centers=C, label=label, radii=r, y_hat=y_hat, c=float(norms.min()), B=float(B),
        gamma=float(gamma),
    )


def clustered_data(
    k: int,
    d: int,
    per_cluster: int,
    rng: np.random.Generator,
    *,
    delta_fraction: float = 0.5,
    gamma: float = 1.0,
    offsets: ArrayLike | None = None,
    targets: ArrayLike | None = None,
    centers: ArrayLike | None = None,
) -> ClusteredData:
    """k clusters around random unit centres in R^d, radius δ = ``delta_fraction`` × the largest
    radius SS16.Thm5 allows (δ_j/‖c_j‖ ≤ 2 sin(√(2π)/(16 d√d))).

    x_t = c_j + δ·o_t with ‖o_t‖ ≤ 1 (``offsets``, else random); targets
    y_t = ŷ_j + γ·‖x_t − c_j‖ (a γ-Lipschitz function of x_t, not linear, so a cluster cannot be
    fitted exactly by the linear pieces of the net). Passing the same ``offsets``, ``targets``
    and ``centers`` with a different ``delta_fraction`` shrinks the clusters homothetically
    (the δ → 0 sweep of the O(δ²) check).
    """
    k, d, per_cluster = int(k), int(d), int(per_cluster)
    if per_cluster < 1:
        raise ValueError(f"per_cluster: need at least one point per cluster, got {per_cluster}")
    if not (0.0 < delta_fraction <= 1.0):
        raise ValueError(
            f"delta_fraction: hypothesis 'δ_j/‖c_j‖ ≤ 2 sin(√(2π)/(16 d√d))' needs a fraction in (0, 1], "
            f"got {delta_fraction}"
        )
    if centers is None:
        C = rng.standard_normal((k, d))
        C /= np.linalg.norm(C, axis=1, keepdims=True)
    else:
        C = np.asarray(centers, dtype=float)
    if C.shape != (k, d):
        raise ValueError(f"centers: expected shape ({k}, {d}), got {C.shape}")
    delta = delta_fraction * thm5_radius_ratio(d) * float(np.linalg.norm(C, axis=1).min())
    if offsets is None:
        o = rng.standard_normal((k, per_cluster, d))
        o *= (rng.uniform(0.2, 1.0, size=(k, per_cluster, 1)) / np.linalg.norm(o, axis=2, keepdims=True))
    else:
        o = np.asarray(offsets, dtype=float)
    if o.shape != (k, per_cluster, d) or np.any(np.linalg.norm(o, axis=2) > 1.0 + 1e-12):
        raise ValueError(f"offsets: expected shape ({k}, {per_cluster}, {d}) with norms ≤ 1")
    y_hat = rng.choice([-1.0, 1.0], size=k) * rng.uniform(0.5, 1.5, size=k) if targets is None else np.asarray(targets, float)
    if y_hat.shape != (k,):
        raise ValueError(f"targets: expected shape ({k},), got {y_hat.shape}")
    X = (C[:, None, :] + delta * o).reshape(k * per_cluster, d)
    dist = delta * np.linalg.norm(o, axis=2).reshape(-1)
    # the first point of each cluster is an instance whose target is ŷ_j: put it at the centre
    # distance it has; y_t = ŷ_j + γ(‖x_t − c_j‖ − ‖x_first − c_j‖) keeps y_first = ŷ_j.
    first = dist.reshape(k, per_cluster)[:, :1]
    y = (y_hat[:, None] + gamma * (dist.reshape(k, per_cluster) - first)).reshape(-1)
    B = float(np.linalg.norm(X, axis=1).max())
    return check_clusters(X, y, C, np.full(k, delta), B=B, gamma=gamma)


# --------------------------------------------------------------------------- realizable, low rank
@dataclass(frozen=True)
class RealizableData:
    """Data realized exactly by a width-n net (W*, v*) (SS16.Thm3)."""

    X: Array
    y: Array
    W_star: Array  # n × d, rows in the row space of X
    v_star: Array  # n
    B: float  # max_i |v_i*|·‖w_i*‖
    rank: int  # r = rank X
    basis: Array  # d × r, orthonormal basis of the row space of X


def check_realizable(
    X: ArrayLike, y: ArrayLike, W_star: ArrayLike, v_star: ArrayLike, B: float
) -> tuple[int, Array]:
    """Validate SS16.Thm3's hypotheses: ‖x_t‖ ≤ 1, L_S(W*, v*) = 0, |v_i*|·‖w_i*‖ ≤ B.

    Returns (rank X, an orthonormal basis of the row space). Realizability is checked to
    1e-12·(1 + max|y|) — the rounding of evaluating the net in double precision.
    """
    X, y = check_data(X, y)
    W = np.asarray(W_star, dtype=float)
    v = np.asarray(v_star, dtype=float)
    if W.ndim != 2 or W.shape[1] != X.shape[1] or v.shape != (W.shape[0],):
        raise ValueError(f"W_star, v_star: expected shapes (n, {X.shape[1]}) and (n,)")
    xn = np.linalg.norm(X, axis=1)
    if np.any(xn > 1.0 + 1e-12):
        raise ValueError(f"X: hypothesis '‖x_t‖ ≤ 1' fails: max ‖x_t‖ = {xn.max():.6g}")
    if not (math.isfinite(B) and B > 0):
        raise ValueError(f"B: must be a positive constant, got {B}")
    prod = np.abs(v) * np.linalg.norm(W, axis=1)
    if np.any(prod > B * (1 + 1e-12)):
        raise ValueError(f"B: hypothesis '|v_i*|·‖w_i*‖ ≤ B' fails: max = {prod.max():.6g} > B = {B}")
    pred = np.maximum(X @ W.T, 0.0) @ v
    if np.max(np.abs(pred - y)) > 1e-12 * (1.0 + np.abs(y).max()):
        raise ValueError("y: hypothesis 'L_S(W*, v*) = 0' fails: the target net does not realize y")
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    r = int(np.sum(s > s.max() * max(X.shape) * np.finfo(float).eps))
    return r, Vt[:r].T.copy()


def realizable_lowrank_data(
    m: int, d: int, rank: int, n_target: int, B: float, rng: np.random.Generator
) -> RealizableData:
    """m points of norm ≤ 1 in a random rank-``rank`` subspace of R^d, labelled by a random
    width-``n_target`` ReLU net with weights in that subspace and |v_i*|·‖w_i*‖ = B."""
    m, d, rank, n_target = int(m), int(d), int(rank), int(n_target)
    if not (1 <= rank <= min(m, d)):
        raise ValueError(f"rank: need 1 ≤ rank ≤ min(m, d) = {min(m, d)}, got {rank}")
    Q, _ = np.linalg.qr(rng.standard_normal((d, rank)))
    Z = rng.standard_normal((m, rank))
    Z *= rng.uniform(0.5, 1.0, size=(m, 1)) / np.linalg.norm(Z, axis=1, keepdims=True)
    X = Z @ Q.T
    Wz = rng.standard_normal((n_target, rank))
    Wz /= np.linalg.norm(Wz, axis=1, keepdims=True)
    W = Wz @ Q.T
    v = B * rng.choice([-1.0, 1.0], size=n_target)
    y = np.maximum(X @ W.T, 0.0) @ v
    r, basis = check_realizable(X, y, W, v, B)
    if r != rank:
        raise ValueError(f"rank: drew data of rank {r}, asked for {rank}")
    return RealizableData(X=X, y=y, W_star=W, v_star=v, B=float(B), rank=r, basis=basis)
