"""Search baselines: matched budgets, and each improves on a problem with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from walk_stub import W, Z_DIM, stub_score

from agents.baselines import SEARCH_METHODS, BudgetedObjective, BudgetExceededError, run_search

BOUND = 3.0
OPTIMUM = BOUND * np.abs(W).sum()


@pytest.mark.parametrize("method", sorted(SEARCH_METHODS))
def test_each_method_improves_and_respects_the_budget(method):
    z0 = torch.zeros(Z_DIM, dtype=torch.float64)
    result = run_search(method, stub_score, z0, budget=300, seed=0)
    assert result.calls <= 300 and result.budget == 300
    assert len(result.curve) == result.calls
    assert np.all(np.diff(result.curve) >= 0)
    assert result.start_score == 0.0 and result.curve[0] == 0.0
    assert result.best_score > 0.5 * OPTIMUM
    np.testing.assert_allclose(float(stub_score(torch.as_tensor(result.best_z, dtype=torch.float64)[None])),
                               result.best_score, rtol=1e-5)
    assert np.abs(result.best_z).max() <= BOUND + 1e-6


def test_budgets_are_matched_exactly():
    """Every method spends exactly the budget unless it stops at a converged optimum (hill climbing)."""
    z0 = torch.full((Z_DIM,), -2.0, dtype=torch.float64)
    calls = {m: run_search(m, stub_score, z0, budget=97, seed=1).calls for m in SEARCH_METHODS}
    assert calls == {m: 97 for m in SEARCH_METHODS}


def test_gradient_ascent_is_the_upper_bound_on_a_linear_score():
    z0 = torch.zeros(Z_DIM, dtype=torch.float64)
    ga = run_search("gradient_ascent", stub_score, z0, budget=200, seed=0)
    assert ga.best_score == pytest.approx(OPTIMUM, rel=1e-3)
    for m in ("random_search", "cma_es"):
        assert run_search(m, stub_score, z0, budget=200, seed=0).best_score <= ga.best_score + 1e-9


def test_same_seed_same_result():
    z0 = torch.zeros(Z_DIM, dtype=torch.float64)
    for m in SEARCH_METHODS:
        a, b = run_search(m, stub_score, z0, 64, seed=5), run_search(m, stub_score, z0, 64, seed=5)
        np.testing.assert_array_equal(a.curve, b.curve)


def test_objective_refuses_over_budget_and_bad_input():
    obj = BudgetedObjective(stub_score, budget=3)
    obj(torch.zeros(2, Z_DIM))
    with pytest.raises(BudgetExceededError):
        obj(torch.zeros(2, Z_DIM))
    with pytest.raises(ValueError, match="box"):
        obj(torch.full((1, Z_DIM), 4.0))
    with pytest.raises(ValueError, match="budget"):
        BudgetedObjective(stub_score, budget=0)
    with pytest.raises(ValueError, match="unknown search method"):
        run_search("nope", stub_score, torch.zeros(Z_DIM), 5, seed=0)
