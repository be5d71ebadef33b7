"""The daily step's shortcuts give the very bits of the plain numpy they replace.

Outputs must stay bit-identical on one machine (the golden baselines, serial vs parallel runs), so
each cheaper form used in sim/economy.py is checked here against the expression it stands for,
bit for bit, on random inputs with the edge cases (zeros, 0 / 0, ratios of exactly 1) mixed in.
These would catch a numpy whose summation order or NaN handling changed under us.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economy import _all, _any, _fill_share, _pipeline_total, _share


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def sparse(rng: np.random.Generator, shape: tuple[int, ...], density: float) -> np.ndarray:
    """Non-negative values of very different sizes, most of them zero."""
    values = rng.uniform(0.0, 1.0, shape) * 10.0 ** rng.integers(-6, 7, shape)
    return np.where(rng.uniform(size=shape) < density, values, 0.0)


@pytest.mark.parametrize(("n_cells", "n_products"), [(1, 12), (2, 12), (3, 12), (4, 12), (5, 12), (9, 12), (30, 12),
                                                      (5, 240), (40, 240), (400, 240)])
def test_pipeline_total_is_the_full_sum_over_slots(n_cells: int, n_products: int) -> None:
    # (240 products: 20 stacked copies of a 12-product world, whose pools order many cells at once)
    rng = np.random.default_rng(n_cells)
    for slots, density in ((542, 0.3), (7, 0.9), (2, 1.0)):
        pipeline = sparse(rng, (slots, 5, n_products), density)
        cells = np.sort(rng.choice(5 * n_products, size=n_cells, replace=False))
        full = np.add.reduce(pipeline, axis=0).reshape(-1)[cells]
        assert same_bits(_pipeline_total(pipeline.reshape(slots, 5 * n_products), cells), full)


def test_fill_share_is_the_guarded_ratio() -> None:
    rng = np.random.default_rng(1)
    available, wanted = sparse(rng, (4000,), 0.7), sparse(rng, (4000,), 0.7)
    wanted[:500] = available[:500]  # exactly enough: 1
    wanted[500:700] = np.nextafter(available[500:700], np.inf)  # a hair more than available
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(wanted > available, available / np.where(wanted > 0, wanted, 1.0), 1.0)
        assert same_bits(_fill_share(available, wanted), expected)


def test_share_is_the_guarded_ratio() -> None:
    rng = np.random.default_rng(2)
    whole = sparse(rng, (4000,), 0.7)
    part = whole * rng.uniform(0.0, 1.0, 4000)  # part <= whole, so 0 where the whole is 0
    part[:300] = whole[:300]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), 0.0)
        assert same_bits(_share(part, whole), expected)


def test_any_and_all_match_numpy() -> None:
    for x in (np.zeros((3, 4), bool), np.ones((3, 4), bool), np.eye(3, dtype=bool), np.array([0.0, -0.0]),
              np.array([0.0, np.nan]), np.zeros(0, bool)):
        assert _any(x) == bool(x.any())
        assert _all(x) == bool(x.all())
