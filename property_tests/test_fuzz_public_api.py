"""Fuzzing the public API of numerics/ and theory/ over dtypes, shapes and magnitudes.

The only allowed outcomes of a call are

* a ValueError or TypeError whose message names one of the call's arguments (the project's
  convention: ``"X: contains NaN or inf"``, ``"a, W: expected shapes ..."``), or
* a finite result equal to the float64 computation on the same real input (the same call with
  every array cast to float64 first: casting float32/int/bool data must change nothing).

Complex input (even with a zero imaginary part: NumPy would drop it with a warning), NaN and ±∞
must be rejected. Magnitudes reach 1e300, where products overflow: an error naming the argument
is then the only honest answer. Cases the issue found are pinned as explicit ``@example``s.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import numerics  # the basin engine's public entries are re-exported from numerics
from numerics import montecarlo, network, ss18
from overspec.profiles import scaled_examples
from theory.bounds import bound_thm2
from theory.hessian_origin import hessian_at_origin

DTYPES = ("float64", "float32", "float16", "int64", "int32", "bool", "complex128")
MAGNITUDES = (1e-6, 1.0, 1e6, 1e300)
SPECIALS = (None, "nan", "inf")
ERRORS = (ValueError, TypeError)
FUZZ = settings(
    max_examples=scaled_examples(2, minimum=6),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # no shrinking: a fuzz failure is reported as found (derandomized, so it is reproducible);
    # shrinking CVXPY calls would cost minutes
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
BASIN_FUZZ = settings(FUZZ, max_examples=scaled_examples(5, minimum=4))


# --------------------------------------------------------------------------- the rule
def names_an_argument(exc: BaseException, names: tuple[str, ...]) -> bool:
    """The message names an argument as the project does: ``name:`` (or ``a, W:``) at the start of
    a clause, or ``name`` quoted/backquoted."""
    msg = str(exc)
    for name in names:
        n = re.escape(name)
        if re.search(rf"(^|[\s(,;]){n}(\s*,\s*\w+)*:", msg) or re.search(rf"[`'\"]{n}[`'\"]", msg):
            return True
    return False


def _real_copy(value: Any) -> Any:
    """The same input with every array cast to float64 (None when the input is not real)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return None
        return value.astype(np.float64)
    return value


def _finite(x: Any) -> bool:
    arr = np.asarray(x, dtype=float)
    return bool(np.all(np.isfinite(arr)))


def _bad(value: Any) -> bool:
    """Input that must be rejected: complex, NaN or ±∞ somewhere in an array."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return True
        if value.dtype.kind == "f":
            return not bool(np.all(np.isfinite(value)))
    return False


def assert_allowed(fn: Callable, project: Callable[[Any], Any], **kwargs: Any) -> None:
    """Call ``fn(**kwargs)`` and hold its outcome to the rule of this module. ``project`` maps a
    result to the numbers compared with the float64 computation."""
    names = tuple(kwargs)
    try:
        got = fn(**kwargs)
    except ERRORS as exc:
        assert names_an_argument(exc, names), f"{fn.__name__}: error names no argument of {names}: {exc!r}"
        return
    bad = [k for k, v in kwargs.items() if _bad(v)]
    assert not bad, f"{fn.__name__}: accepted complex/NaN/inf input in {bad} and returned {got!r}"
    numbers = project(got)
    assert _finite(numbers), f"{fn.__name__}: returned a non-finite result {numbers!r}"
    reference = fn(**{k: _real_copy(v) for k, v in kwargs.items()})
    np.testing.assert_array_equal(np.asarray(numbers, float), np.asarray(project(reference), float))


# --------------------------------------------------------------------------- inputs
@st.composite
def fuzzed(draw, shape: tuple[int, ...], dtype: str | None = None, magnitude: float | None = None) -> np.ndarray:
    """An array of ``shape``: a dtype of DTYPES, a magnitude of MAGNITUDES, maybe one NaN/inf."""
    dtype = dtype or draw(st.sampled_from(DTYPES))
    scale = magnitude if magnitude is not None else draw(st.sampled_from(MAGNITUDES))
    base = np.array(draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=int(np.prod(shape)),
                                  max_size=int(np.prod(shape)))), dtype=np.float64).reshape(shape)
    if dtype in ("int64", "int32", "bool"):
        base = np.round(base)
    values = base * (1.0 if dtype == "bool" else scale)
    special = draw(st.sampled_from(SPECIALS)) if dtype.startswith(("float", "complex")) else None
    if special and values.size:
        values.flat[draw(st.integers(0, values.size - 1))] = float(special)
    if dtype == "complex128":
        return values.astype(np.complex128) + 1j * draw(st.sampled_from((0.0, 1e-3)))
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _generic_network(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.5, 1.5, size=n)


def _pattern_of(X: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray] | None:
    """The basin of a generic network on the real part of X (None on a basin boundary)."""
    real = np.real(X).astype(np.float64)
    if not np.all(np.isfinite(real)):
        return None
    W, v = _generic_network(n, real.shape[1])
    with np.errstate(all="ignore"):
        if np.any((W @ real.T) == 0):
            return None
    return numerics.sign_pattern(W, v, real)


# --------------------------------------------------------------------------- numerics: network
@FUZZ
@given(st.data(), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4))
def test_network_forward_loss_gradient(data, m, d, n):
    a = data.draw(fuzzed((m,)), "a")
    W = data.draw(fuzzed((m, d)), "W")
    X = data.draw(fuzzed((n, d)), "X")
    y = data.draw(fuzzed((n,)), "y")
    assert_allowed(network.forward, lambda r: r, a=a, W=W, X=X)
    theta = data.draw(fuzzed((m * (d + 1),)), "theta")
    assert_allowed(network.loss, lambda r: r, theta=theta, X=X, y=y)
    assert_allowed(network.gradient, lambda r: r, theta=theta, X=X, y=y)


@FUZZ
@given(st.data(), st.integers(1, 3), st.integers(1, 3))
def test_network_rejects_wrong_shapes(data, m, d):
    a = data.draw(fuzzed((m + 1,), dtype="float64", magnitude=1.0), "a")
    W = data.draw(fuzzed((m, d), dtype="float64", magnitude=1.0), "W")
    X = data.draw(fuzzed((2, d + 1), dtype="float64", magnitude=1.0), "X")
    with pytest.raises(ERRORS) as info:
        network.forward(a, W, X)
    assert names_an_argument(info.value, ("a", "W", "X"))


# --------------------------------------------------------------------------- numerics: basins
@st.composite
def data_sets(draw, d_max: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X fuzzed (n × d), y real float64 of magnitude 1."""
    n, d = draw(st.integers(2, 4)), draw(st.integers(1, d_max))
    return draw(fuzzed((n, d))), draw(fuzzed((n,), dtype="float64", magnitude=1.0))


X_COMPLEX = np.array([[1.0, 0.5], [-0.3, 1.0], [0.7, -1.0]]) + 1e-3j  # issue 12: imaginary part dropped
Y3 = np.array([1.0, -1.0, 0.5])


@BASIN_FUZZ
@given(data_sets())
@example((X_COMPLEX, Y3)).via("issue 12: complex X")
def test_sign_pattern_and_network_loss(xy):
    X, y = xy
    W, v = _generic_network(2, X.shape[1])
    assert_allowed(numerics.sign_pattern, lambda r: np.concatenate([np.ravel(r[0]), np.ravel(r[1])]), W=W, v=v, X=X)
    assert_allowed(numerics.network_loss, lambda r: r, X=X, y=y, W=W, v=v)


@BASIN_FUZZ
@given(data_sets())
@example((X_COMPLEX, Y3)).via("issue 12: complex X")
def test_basin_value_and_basin_values(xy):
    X, y = xy
    A, b = _pattern_of(X) or _pattern_of(np.ones(X.shape))
    assert_allowed(numerics.basin_value, lambda r: r.value, X=X, y=y, A=A, b=b)
    assert_allowed(numerics.basin_values, lambda r: r.values, X=X, y=y, patterns=[(A, b)])


@BASIN_FUZZ
@given(data_sets(d_max=1))
@example((X_COMPLEX[:, :1], Y3)).via("issue 12: complex X")
def test_global_minimum(xy):
    X, y = xy
    assert_allowed(numerics.global_minimum, lambda r: r.value, X=X, y=y, width=1)


@settings(max_examples=1)
@given(st.just(None))
def test_huge_data_in_the_basin_engine_is_an_error_naming_X(_):
    """X·1e300: an error naming X (not an EmptyBasinError, an internal message or a lexsort TypeError)."""
    X = np.array([[1.0, 0.5], [-0.3, 1.0], [0.7, -1.0]]) * 1e300
    y = np.array([1.0, -1.0, 0.5])
    A, b = _pattern_of(X / 1e300)
    for call in (lambda: numerics.basin_value(X, y, A, b), lambda: numerics.basin_values(X, y, [(A, b)]),
                 lambda: numerics.global_minimum(X, y, 1)):
        with pytest.raises(ERRORS) as info:
            call()
        assert names_an_argument(info.value, ("X",)), repr(info.value)


@settings(max_examples=1)
@given(st.just(None))
def test_basin_values_rejects_a_fractional_process_count(_):
    X = np.array([[1.0, 0.5], [-0.3, 1.0], [0.7, -1.0]])
    A, b = _pattern_of(X)
    with pytest.raises(ERRORS) as info:
        numerics.basin_values(X, np.ones(3), [(A, b)], processes=2.5)
    assert names_an_argument(info.value, ("processes",))


# --------------------------------------------------------------------------- numerics: ss18
@BASIN_FUZZ
@given(fuzzed((1, 2, 2)))
@example(np.eye(2)[None] * 0.5 + 1e-3j).via("issue 12: complex W0")
def test_ss18_gradient_descent(W0):
    V = np.eye(2)
    assert_allowed(lambda W0, V: ss18.gradient_descent(W0, V, max_iter=20, bad_loss=None),
                   lambda r: np.concatenate([np.ravel(r.W), np.ravel(r.loss)]), W0=W0, V=V)


# --------------------------------------------------------------------------- numerics: Monte Carlo
SCALARS = st.one_of(
    st.floats(1e-9, 0.49), st.sampled_from([0.05, np.float32(0.05), np.float64(1e-6), Fraction(1, 20)]),
    st.sampled_from(["0.05", 1j, np.complex128(0.05), True, float("nan"), float("inf"), -0.1, 0.7, None, [0.05]]),
)
COUNTS = st.one_of(st.integers(-1, 30), st.sampled_from([np.int64(3), np.int32(10), True, 2.5, "3", 3.0, 1j]))


@FUZZ
@given(COUNTS, COUNTS, SCALARS)
@example(3, 10, "0.05").via("issue 12: a string alpha was accepted")
@example(3, 10, 1j)
@example(3, 10, True)
def test_clopper_pearson_bounds_and_checks(k, n, alpha):
    real = {"k": k, "n": n, "alpha": alpha}
    for fn in (montecarlo.clopper_pearson_lower, montecarlo.clopper_pearson_upper):
        try:
            got = fn(**real)
        except ERRORS as exc:
            assert names_an_argument(exc, ("k", "n", "alpha")), repr(exc)
            continue
        # accepted: the arguments were genuine real numbers (not bool/str/complex) ...
        for v in real.values():
            assert not isinstance(v, (bool, str, complex, list)) and v is not None, (fn.__name__, real)
        # ... and the result is finite, in [0, 1], equal to the float64 computation
        assert np.isfinite(got) and 0.0 <= got <= 1.0
        assert got == fn(int(k), int(n), float(alpha))


@FUZZ
@given(st.integers(0, 50), st.integers(1, 50), SCALARS)
def test_binomial_checks_reject_bad_bounds(k, n, bound):
    k = min(k, n)
    for fn in (montecarlo.check_probability_at_least, montecarlo.check_probability_at_most):
        try:
            ev = fn(k, n, bound)
        except montecarlo.ClaimRejected as exc:
            assert exc.witness["successes"] == k and exc.witness["trials"] == n  # the counterexample
            continue
        except ERRORS as exc:
            assert names_an_argument(exc, ("k", "n", "bound", "alpha")), repr(exc)
            continue
        assert not isinstance(bound, (bool, str, complex, list)) and bound is not None
        assert ev.bound == float(bound) and np.isfinite([ev.lower, ev.upper]).all()


# --------------------------------------------------------------------------- theory
DSIGMA = st.one_of(
    st.floats(-4, 4), st.sampled_from([np.float32(0.5), np.float64(2.0), Fraction(1, 3), 1, np.int64(-2)]),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1j, np.complex128(1.0), "1", True, [1.0]]),
)
SIZES = st.one_of(st.integers(-1, 3), st.sampled_from([True, False, 2.0, 2.5, np.int64(2), "2", 1j]))


@FUZZ
@given(SIZES, DSIGMA)
@example(2, float("nan")).via("issue 12: a matrix holding nan")
@example(2, float("inf"))
@example(2, 1j)
@example(True, 1.0).via("issue 12: d=True taken as 1")
def test_hessian_at_origin(d, dsigma0):
    valid_d = isinstance(d, (int, np.integer)) and not isinstance(d, bool) and 1 <= d <= 3
    data = (sp.Matrix([[1, 2, -1][: int(d)]]), sp.Matrix([1])) if valid_d else None  # numeric entries
    try:
        H = hessian_at_origin(d, 2, dsigma0=dsigma0, data=data)
    except ERRORS as exc:
        assert names_an_argument(exc, ("d", "width", "dsigma0", "data")), repr(exc)
        return
    assert not isinstance(d, bool) and not isinstance(dsigma0, (bool, str, complex, list))
    assert float(dsigma0) == float(dsigma0) and abs(float(dsigma0)) != float("inf")
    numeric = np.array(H.evalf(), dtype=float)
    assert np.all(np.isfinite(numeric))
    reference = np.array(hessian_at_origin(int(d), 2, dsigma0=float(dsigma0), data=data).evalf(), dtype=float)
    # exact rationals vs float64 arithmetic: equal up to the rounding of a few float operations
    np.testing.assert_allclose(numeric, reference, rtol=1e-14, atol=1e-300)


NOT_BOOL = SIZES.filter(lambda v: not isinstance(v, bool))


@FUZZ
@given(NOT_BOOL, NOT_BOOL)
def test_bound_thm2(n, d):
    try:
        value = bound_thm2(n, d)
    except ERRORS as exc:
        assert names_an_argument(exc, ("n", "d")), repr(exc)
        return
    assert not isinstance(n, (bool, str, complex)) and not isinstance(d, (bool, str, complex))
    number = float(value)
    assert np.isfinite(number)
    np.testing.assert_allclose(number, float(bound_thm2(float(n), float(d))), rtol=1e-14)


@pytest.mark.parametrize("n, d", [(True, 2), (3, False)])
def test_bound_thm2_rejects_bools_naming_the_argument(n, d):
    with pytest.raises(ERRORS) as info:
        bound_thm2(n, d)
    assert names_an_argument(info.value, ("n", "d")), repr(info.value)
