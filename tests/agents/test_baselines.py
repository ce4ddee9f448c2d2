"""Search baselines: matched budgets, and each improves on a problem with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from walk_stub import W, Z_DIM, stub_score

from agents.baselines import (SEARCH_METHODS, BudgetedObjective, BudgetExceededError, gradient_ascent_batch,
                              run_search)

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


def test_batched_gradient_ascent_follows_each_start_as_alone():
    """Row i of the batch takes the path gradient ascent takes from z0[i] alone, with its own budget."""
    targets = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.5, 0.0], [0.3, 0.3, -0.3, 1.0]], dtype=torch.float64)

    def batch_score(z):  # row i scored against target i: rows do not mix
        return batch_score_row(z, targets)

    z0 = torch.tensor([[0.0, 0.0, 0.0, 0.0], [-2.0, 1.0, 0.0, 2.5], [1.0, -1.0, 2.0, 0.0]], dtype=torch.float64)
    batched = gradient_ascent_batch(batch_score, z0, budget=50, lr=0.1)
    assert len(batched) == 3
    for i, res in enumerate(batched):
        alone = run_search("gradient_ascent", lambda z, i=i: batch_score_row(z, targets[i]), z0[i], 50, seed=0, lr=0.1)
        assert res.calls == alone.calls == 50
        np.testing.assert_allclose(res.curve, alone.curve, rtol=1e-12)
        np.testing.assert_allclose(res.best_z, alone.best_z, rtol=1e-12)
        assert res.start_score == alone.start_score
        assert res.best_score > res.start_score


def batch_score_row(z, target):
    """A smooth score with a per-row target (``target`` [N, Z_DIM] or [Z_DIM])."""
    return -((z - target) ** 2).sum(1) + torch.sin(z).sum(1)


def test_batched_gradient_ascent_refuses_bad_input():
    with pytest.raises(ValueError, match="z0 must be"):
        gradient_ascent_batch(stub_score, torch.zeros(Z_DIM), budget=5)
    with pytest.raises(ValueError, match="box"):
        gradient_ascent_batch(stub_score, torch.full((2, Z_DIM), 4.0), budget=5)
    with pytest.raises(ValueError, match="lr"):
        gradient_ascent_batch(stub_score, torch.zeros(2, Z_DIM), budget=5, lr=0.0)
