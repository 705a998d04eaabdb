"""TDEV and Allan deviations: Stable32 agreement on measured data, definitions, allantools, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.analysis import adev, mdev, oadev, tdev
from bench.analysis.errors import AnalysisInputError
from tests.analysis._data import COUNTER, GPS, PHASE, phase, stable32

STABLE32_TOL = 0.005  # the bar: within 0.5 % at every τ Stable32 lists


@pytest.mark.parametrize(
    ("data", "reference"),
    [
        (GPS, "gps_1pps_vs_hmaser_stable32_tdev_octave.txt"),
        (COUNTER, "counter_53230a_noise_floor_stable32_tdev.txt"),
    ],
)
def test_tdev_agrees_with_stable32(data, reference):
    taus_ref, sigma_ref = stable32(reference)
    taus, values = tdev(phase(data), 1.0, taus_ref)
    np.testing.assert_array_equal(taus, taus_ref)
    np.testing.assert_allclose(values, sigma_ref, rtol=STABLE32_TOL)
    # in fact we agree to Stable32's printed precision (5 significant digits)
    np.testing.assert_allclose(values, sigma_ref, rtol=1e-4)


@pytest.mark.parametrize(
    ("data", "reference"),
    [
        (PHASE, "PHASE_stable32_adev.txt"),
        (GPS, "gps_1pps_vs_hmaser_stable32_adev_decade.txt"),
        (COUNTER, "counter_53230a_noise_floor_stable32_adev.txt"),
    ],
)
def test_adev_agrees_with_stable32(data, reference):
    """Stable32's "Allan" sigma is the classic non-overlapping ADEV (its '#' column: ⌊(N−1)/m⌋ − 1 terms)."""
    taus_ref, sigma_ref = stable32(reference)
    taus, values = adev(phase(data), 1.0, taus_ref)
    np.testing.assert_allclose(values, sigma_ref, rtol=STABLE32_TOL)
    np.testing.assert_allclose(values, sigma_ref, rtol=1e-4)


def test_octave_tdev_grid_on_the_gps_file_covers_stable32s():
    taus, _ = tdev(phase(GPS), 1.0)
    taus_ref, _ = stable32("gps_1pps_vs_hmaser_stable32_tdev_octave.txt")
    assert set(taus_ref) <= set(taus)
    assert taus[-1] <= phase(GPS).size / 3


def _tdev_by_definition(x, n):
    big_n = x.size
    total = 0.0
    for j in range(big_n - 3 * n + 1):
        total += sum(x[i + 2 * n] - 2 * x[i + n] + x[i] for i in range(j, j + n)) ** 2
    return np.sqrt(total / (6 * n * n * (big_n - 3 * n + 1)))


def _oadev_by_definition(x, m, tau0):
    terms = [(x[i + 2 * m] - 2 * x[i + m] + x[i]) ** 2 for i in range(x.size - 2 * m)]
    return np.sqrt(sum(terms) / (2 * m * m * tau0 * tau0 * len(terms)))


def test_tdev_and_oadev_equal_their_definitions():
    x = np.random.default_rng(7).standard_normal(200).cumsum() * 1e-9 + 3e-7
    taus, td = tdev(x, 2.0, "all")
    assert taus[-1] == 2.0 * (200 // 3)
    for k in (0, 1, 4, 9, 30, 65):
        assert td[k] == pytest.approx(_tdev_by_definition(x, k + 1), rel=1e-9)
    taus, od = oadev(x, 2.0, "all")
    assert taus[-1] == 2.0 * 99
    for k in (0, 3, 17, 98):
        assert od[k] == pytest.approx(_oadev_by_definition(x, k + 1, 2.0), rel=1e-9)


def test_mdev_is_sqrt3_tdev_over_tau():
    x = phase(PHASE)
    taus, td = tdev(x, 1.0)
    _, md = mdev(x, 1.0)
    np.testing.assert_allclose(md, np.sqrt(3) * td / taus, rtol=1e-15)


def test_agrees_with_allantools_on_phase_dat():
    allantools = pytest.importorskip("allantools")
    x = phase(PHASE)
    taus, od = oadev(x, 1.0)
    t_ref, od_ref, _, _ = allantools.oadev(x, rate=1.0, data_type="phase", taus=taus)
    np.testing.assert_allclose(t_ref, taus)
    np.testing.assert_allclose(od, od_ref, rtol=1e-10)
    taus, td = tdev(x, 1.0)
    t_ref, td_ref, _, _ = allantools.tdev(x, rate=1.0, data_type="phase", taus=taus)
    np.testing.assert_allclose(td, td_ref, rtol=1e-10)
    taus, md = mdev(x, 1.0)
    _, md_ref, _, _ = allantools.mdev(x, rate=1.0, data_type="phase", taus=taus)
    np.testing.assert_allclose(md, md_ref, rtol=1e-10)


def test_tdev_keeps_precision_with_a_large_offset():
    """Cumulative sums lose digits on an offset; ours sum zero-mean second differences instead."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal(100_000) * 1e-9
    _, plain = tdev(x, 1.0)
    _, shifted = tdev(x + 1e-3, 1.0)  # 1 ms offset on 1 ns noise: 6 orders of magnitude
    np.testing.assert_allclose(shifted, plain, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(9, 400), st.floats(1e-12, 1e3), st.floats(-1e3, 1e3))
def test_tdev_and_oadev_scale_and_ignore_offsets(seed, size, k, offset):
    x = np.random.default_rng(seed).standard_normal(size)
    _, td = tdev(x, 1.0)
    _, td_k = tdev(k * x, 1.0)
    np.testing.assert_allclose(td_k, k * td, rtol=1e-9)
    _, od = oadev(x, 1.0)
    _, od_off = oadev(x + offset, 1.0)
    np.testing.assert_allclose(od_off, od, rtol=1e-6, atol=1e-9 * (1 + abs(offset)))


@pytest.mark.parametrize("fn", [tdev, oadev, adev, mdev])
@pytest.mark.parametrize(
    ("x", "match"),
    [([], "empty"), ([1.0, 2.0], "at least 3"), ([1.0, float("nan"), 2.0, 3.0], "non-finite")],
)
def test_bad_input_errors(fn, x, match):
    with pytest.raises(AnalysisInputError, match=match):
        fn(np.asarray(x, dtype=float), 1.0)


def test_tdev_tau_beyond_n_over_3_is_an_error():
    with pytest.raises(AnalysisInputError, match="too long"):
        tdev(np.arange(30.0), 1.0, [11.0])


def test_oadev_and_tdev_on_a_long_series_match_direct_numpy():
    """Several cache blocks per τ: the blocked sums equal one direct vectorised evaluation."""
    x = np.random.default_rng(5).standard_normal(200_000).cumsum() * 1e-12 + 1e-9
    taus, od = oadev(x, 1.0, [1.0, 7.0, 1000.0, 60_000.0])
    for tau, value in zip(taus.astype(int), od, strict=True):
        d2 = x[2 * tau:] - 2 * x[tau:-tau] + x[: x.size - 2 * tau]
        assert value == pytest.approx(np.sqrt(np.mean(d2**2) / (2 * tau**2)), rel=1e-10)
    taus, td = tdev(x, 1.0, [3.0, 5000.0])
    for tau, value in zip(taus.astype(int), td, strict=True):
        d2 = x[2 * tau:] - 2 * x[tau:-tau] + x[: x.size - 2 * tau]
        c = np.r_[0.0, np.cumsum(d2)]
        s = c[tau:] - c[:-tau]
        assert value == pytest.approx(np.sqrt(np.mean(s**2) / (6 * tau**2)), rel=1e-6)
