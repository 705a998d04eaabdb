"""MTIE: equal to brute force on random and measured data, its properties, and its bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.lib.stride_tricks import sliding_window_view

from bench.analysis import mtie
from bench.analysis.errors import AnalysisInputError
from bench.errors import InputError
from tests.analysis._data import GPS, phase


def brute_mtie(x: np.ndarray, n: int) -> float:
    """G.810 by definition: max over k of (max − min of x_k … x_{k+n}) — n+1 samples per window."""
    best = -np.inf
    for k in range(x.size - n):
        w = x[k:k + n + 1]
        best = max(best, w.max() - w.min())
    return float(best)


def window_mtie(x: np.ndarray, n: int) -> float:
    w = sliding_window_view(x, n + 1)
    return float((w.max(axis=1) - w.min(axis=1)).max())


@pytest.mark.parametrize("size", [2, 3, 7, 64, 65, 257, 1000])
def test_mtie_equals_brute_force_on_random_data_every_tau(size):
    x = np.random.default_rng(size).standard_normal(size).cumsum() * 1e-9
    taus, values = mtie(x, 1.0, "all")
    assert taus.tolist() == list(range(1, size))
    expected = np.array([brute_mtie(x, n) for n in range(1, size)])
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=0)


def test_mtie_window_holds_n_plus_one_samples():
    x = np.array([0.0, 0.0, 5.0, 0.0])  # a window of 2 samples (n = 1) sees the step, n+1 matters
    _, v = mtie(x, 1.0, [1.0, 2.0, 3.0])
    assert v.tolist() == [5.0, 5.0, 5.0]
    x = np.array([0.0, 1.0, 3.0, 6.0])
    _, v = mtie(x, 1.0, "all")
    assert v.tolist() == [3.0, 5.0, 6.0]


def test_mtie_equals_brute_force_on_measured_gps_data():
    x = phase(GPS)[:20_000]
    taus, values = mtie(x, 1.0, "octave")
    expected = np.array([window_mtie(x, int(n)) for n in taus])
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=0)


def test_mtie_full_gps_file_matches_an_independent_sliding_filter():
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    x = phase(GPS)
    taus, values = mtie(x, 1.0, "octave")
    assert taus[-1] == 2 ** 17
    for n, v in zip(taus.astype(int), values, strict=True):
        size = n + 1
        hi = maximum_filter1d(x, size, origin=-(size // 2))[: x.size - n]
        lo = minimum_filter1d(x, size, origin=-(size // 2))[: x.size - n]
        assert v == pytest.approx(float((hi - lo).max()), rel=1e-12)


def test_mtie_explicit_taus_with_tau0_and_order_kept():
    x = np.random.default_rng(3).standard_normal(500)
    taus, values = mtie(x, 0.5, [10.0, 0.5, 2.5])
    assert taus.tolist() == [0.5, 2.5, 10.0]
    assert values.tolist() == [brute_mtie(x, 1), brute_mtie(x, 5), brute_mtie(x, 20)]


def test_mtie_decade_grid_is_stable32s():
    taus, _ = mtie(np.arange(5000.0), 1.0, "decade")
    assert taus.tolist() == [1, 2, 4, 10, 20, 40, 100, 200, 400, 1000, 2000, 4000]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(2, 300), elements=finite))
def test_mtie_is_non_decreasing_in_tau(x):
    _, v = mtie(x, 1.0, "all")
    assert np.all(np.diff(v) >= 0)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(2, 300), elements=finite), st.floats(-1e6, 1e6))
def test_mtie_is_invariant_to_a_constant_offset(x, offset):
    _, v = mtie(x, 1.0, "octave")
    _, w = mtie(x + offset, 1.0, "octave")
    np.testing.assert_allclose(w, v, rtol=1e-9, atol=1e-9 * (np.abs(x).max() + abs(offset)))


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(2, 300), elements=finite),
       st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3))
def test_mtie_scales_with_the_series(x, k):
    _, v = mtie(x, 1.0, "octave")
    _, w = mtie(k * x, 1.0, "octave")
    np.testing.assert_allclose(w, abs(k) * v, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    ("x", "taus", "match"),
    [
        ([], "octave", "empty series"),
        ([1.0], "octave", "at least 2 needed"),
        ([0.0, np.nan, 1.0], "octave", "non-finite sample.*index 1"),
        ([0.0, np.inf, 1.0], "octave", "non-finite"),
        ([[0.0, 1.0]], "octave", "1-D"),
        ([0.0, 1.0, 2.0], [1.5], "not a whole multiple"),
        ([0.0, 1.0, 2.0], [3.0], "too long for this data"),
        ([0.0, 1.0, 2.0], [-1.0], "positive"),
        ([0.0, 1.0, 2.0], "weekly", "unknown grid"),
        ([0.0, 1.0, 2.0], [], "empty list"),
    ],
)
def test_mtie_bad_input_gives_a_clear_typed_error(x, taus, match):
    with pytest.raises(AnalysisInputError, match=match) as info:
        mtie(np.asarray(x, dtype=float), 1.0, taus)
    assert isinstance(info.value, InputError)


@pytest.mark.parametrize("tau0", [0.0, -1.0, float("nan"), "x"])
def test_mtie_bad_tau0(tau0):
    with pytest.raises(AnalysisInputError, match="tau0_s"):
        mtie(np.arange(10.0), tau0)


def _filter_mtie(x: np.ndarray, n: int) -> float:
    """Independent O(N) reference (scipy's van Herk/Gil-Werman filters), for long windows."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    size = n + 1
    hi = maximum_filter1d(x, size, origin=-(size // 2))[: x.size - n]
    lo = minimum_filter1d(x, size, origin=-(size // 2))[: x.size - n]
    return float((hi - lo).max())


@pytest.mark.parametrize(
    "shape",
    ["white", "random_walk", "constant", "ramp", "sawtooth", "spike_at_end", "steps"],
)
def test_long_windows_every_tau_equal_an_independent_reference(shape):
    """τ beyond 2·PRUNE_BLOCK samples take the pruned block path: check it at every τ on awkward shapes."""
    rng = np.random.default_rng(42)
    size = 3001
    x = {
        "white": rng.standard_normal(size),
        "random_walk": rng.standard_normal(size).cumsum(),
        "constant": np.full(size, 2.5),
        "ramp": np.arange(size, dtype=float),
        "sawtooth": np.arange(size) % 1100 * 1.0,
        "spike_at_end": np.r_[np.zeros(size - 1), 7.0],
        "steps": np.repeat(rng.standard_normal(size // 500 + 1), 500)[:size],
    }[shape]
    taus, values = mtie(x, 1.0, "all")
    ns = np.arange(1000, size)  # the long-window range, plus its boundary
    expected = np.array([_filter_mtie(x, int(n)) for n in ns])
    np.testing.assert_array_equal(values[ns - 1], expected)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1100, 6000), st.lists(st.integers(1025, 5999), min_size=1, max_size=4))
def test_long_windows_equal_brute_force_on_random_walks(seed, size, ns):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size).cumsum() + rng.standard_normal(size) * rng.uniform(0, 30)
    ns = sorted({n for n in ns if n < size})
    if not ns:
        return
    _, values = mtie(x, 1.0, [float(n) for n in ns])
    assert values.tolist() == [window_mtie(x, n) for n in ns]
