"""Non-RL baselines for the latent envs, all with the same budget of generator calls.

For one start latent ``z0`` and one target, every method maximises the LatentWalk score
(``gan_latent_env.scoring.LatentScorer``; or any differentiable ``score_fn``) inside the latent box
``[-bound, bound]^z_dim`` and may generate at most ``budget`` images: the budget counts rows scored, the
start included. A :class:`BudgetedObjective` does the counting, keeps the best latent found and the
best-so-far curve (one entry per generator call), so a method's result at any smaller budget is a prefix of
its curve.

* :func:`random_search` - latents from the prior ``N(0, I)`` (clipped), scored in batches.
* :func:`hill_climb` - greedy over the ``2 * z_dim`` LatentWalk moves: all neighbours scored in one batch,
  move to the best if it improves, else halve the step.
* :func:`cma_es` - CMA-ES (the ``cma`` package) with box bounds, seeded through our own generator.
* :func:`gradient_ascent` - Adam on the score through G, D and C (the white-box upper bound): one call per
  step, projected onto the box; :func:`gradient_ascent_batch` runs it from many start latents in one batch.

``HyperparamTune-v0`` baselines (constant default schedule, random actions, random search over constant
``(lr, beta1)``) live in :mod:`agents.benchmark.tune_tasks`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

logger = logging.getLogger(__name__)

ScoreFn = Callable[[torch.Tensor], Any]
"""``score_fn(z [N, z_dim]) -> Tensor [N]`` or an object with ``.score [N]`` (a ``LatentScore``)."""


class BudgetExceededError(RuntimeError):
    """A method asked for more generator calls than its budget."""


@dataclass
class SearchResult:
    """What one search run found.

    :ivar best_z: float32 ``[z_dim]``.
    :ivar start_score, best_score: the score of ``z0`` and of ``best_z``.
    :ivar calls: generator calls used (<= the budget).
    :ivar curve: best score so far after each call, float64 ``[calls]``.
    :ivar best_extra: realism / cosine / matched count of the best latent when the score function
        reports them (a ``LatentScore``), else empty.
    :ivar start_extra: the same for ``z0``.
    """

    method: str
    best_z: np.ndarray
    start_score: float
    best_score: float
    calls: int
    budget: int
    curve: np.ndarray
    best_extra: dict[str, float] = field(default_factory=dict)
    start_extra: dict[str, float] = field(default_factory=dict)

    def score_at(self, calls: int) -> float:
        """Best score after ``calls`` generator calls (the last value if fewer were used)."""
        if calls < 1:
            raise ValueError(f"calls must be >= 1, got {calls}")
        return float(self.curve[min(calls, len(self.curve)) - 1])


def _extras(out: Any, i: int) -> dict[str, float]:
    extra = {}
    for name in ("realism", "cosine"):
        value = getattr(out, name, None)
        if value is not None:
            extra[name] = float(value[i].detach())
    matched = getattr(out, "matched", None)
    if matched is not None:
        extra["matched"] = float(matched[i].sum())
        extra["match_rate"] = float(matched[i].float().mean())
    return extra


def _checked_score(out: Any, n: int) -> torch.Tensor:
    """The ``[n]`` score of a score-function output, refusing a wrong shape or a non-finite value."""
    score = getattr(out, "score", out)
    if score.shape != (n,):
        raise ValueError(f"score_fn must return a score of shape [{n}], got {tuple(score.shape)}")
    if not bool(torch.isfinite(score.detach()).all()):
        raise ValueError("score_fn returned a non-finite score")
    return score


class BudgetedObjective:
    """Counts generator calls of a score function and tracks the best latent.

    :param score_fn: see :data:`ScoreFn`; must be differentiable w.r.t. z for :func:`gradient_ascent`.
    :param budget: the most rows that may be scored.
    :param bound: the latent box half-width (LatentWalk's clip, 3.0).
    :raises ValueError: if ``budget < 1`` or ``bound <= 0``.
    """

    def __init__(self, score_fn: ScoreFn, budget: int, bound: float = 3.0) -> None:
        if not isinstance(budget, (int, np.integer)) or budget < 1:
            raise ValueError(f"budget must be an int >= 1 generator calls, got {budget!r}")
        if bound <= 0:
            raise ValueError(f"bound must be > 0, got {bound}")
        self.score_fn, self.budget, self.bound = score_fn, int(budget), float(bound)
        self.calls = 0
        self.best_score = -math.inf
        self.best_z: torch.Tensor | None = None
        self.best_extra: dict[str, float] = {}
        self.curve: list[float] = []

    @property
    def remaining(self) -> int:
        return self.budget - self.calls

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        """Score ``z [N, z_dim]`` (N <= remaining); returns the score ``[N]`` (with grad if z has it).

        :raises BudgetExceededError: if N rows would exceed the budget.
        :raises ValueError: if z is outside the box or not 2-D.
        """
        self.check(z)
        out = self.score_fn(z)
        score = _checked_score(out, z.shape[0])
        self.record(z, out, range(z.shape[0]))
        return score

    def check(self, z: torch.Tensor) -> None:
        """Refuse ``z`` before it is scored: not ``[N, z_dim]``, over the budget, or outside the box.

        :raises BudgetExceededError, ValueError: as :meth:`__call__`.
        """
        if z.ndim != 2:
            raise ValueError(f"z must be [N, z_dim], got shape {tuple(z.shape)}")
        n = z.shape[0]
        if n > self.remaining:
            raise BudgetExceededError(f"{n} rows asked with {self.remaining} of {self.budget} calls left")
        if float(z.detach().abs().max()) > self.bound + 1e-5:
            raise ValueError(f"z leaves the latent box [-{self.bound}, {self.bound}]")

    def record(self, z: torch.Tensor, out: Any, rows: Sequence[int]) -> None:
        """Count the rows ``rows`` of a score ``out`` of ``z`` (computed by the caller) as generator calls of
        this objective, in order, updating the best latent and the curve."""
        values = _checked_score(out, z.shape[0]).detach().double().cpu().numpy()
        for i in rows:
            if values[i] > self.best_score:
                self.best_score = float(values[i])
                self.best_z = z[i].detach().clone()
                self.best_extra = _extras(out, i)
            self.curve.append(self.best_score)
        self.calls += len(rows)

    def result(self, method: str, start_score: float, start_extra: dict[str, float]) -> SearchResult:
        assert self.best_z is not None
        return SearchResult(method, self.best_z.float().cpu().numpy(), start_score, self.best_score, self.calls,
                            self.budget, np.asarray(self.curve), dict(self.best_extra), start_extra)


def _start(objective: BudgetedObjective, z0: torch.Tensor) -> tuple[float, dict[str, float]]:
    if z0.ndim != 1:
        raise ValueError(f"z0 must be [z_dim], got shape {tuple(z0.shape)}")
    with torch.no_grad():
        objective(z0.unsqueeze(0))
    return objective.best_score, dict(objective.best_extra)


def random_search(objective: BudgetedObjective, z0: torch.Tensor, rng: np.random.Generator,
                  batch_size: int = 256) -> SearchResult:
    """Score the start, then prior samples ``clip(N(0, I))`` in batches until the budget is spent."""
    start_score, start_extra = _start(objective, z0)
    with torch.no_grad():
        while objective.remaining > 0:
            n = min(batch_size, objective.remaining)
            z = rng.standard_normal((n, z0.shape[0])).clip(-objective.bound, objective.bound)
            objective(torch.as_tensor(z, dtype=z0.dtype, device=z0.device))
    return objective.result("random_search", start_score, start_extra)


def hill_climb(objective: BudgetedObjective, z0: torch.Tensor, rng: np.random.Generator,
               delta: float = 0.25, min_delta: float = 1e-3) -> SearchResult:
    """Greedy steepest ascent over the ``2 * z_dim`` moves ``z +- delta e_i``, all scored in one batch.

    At a local optimum the step is halved (down to ``min_delta``, then the search stops). If fewer calls
    remain than neighbours, a random subset of that size is scored.
    """
    if delta <= 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    start_score, start_extra = _start(objective, z0)
    z, current = z0.clone(), start_score
    d = z0.shape[0]
    eye = torch.eye(d, dtype=z0.dtype, device=z0.device)
    with torch.no_grad():
        while objective.remaining > 0 and delta >= min_delta:
            neighbours = torch.cat([z + delta * eye, z - delta * eye]).clamp(-objective.bound, objective.bound)
            if objective.remaining < neighbours.shape[0]:
                keep = np.sort(rng.choice(neighbours.shape[0], objective.remaining, replace=False))
                neighbours = neighbours[torch.as_tensor(keep, device=z0.device)]
            scores = objective(neighbours)
            best = int(scores.argmax())
            if float(scores[best]) > current:
                z, current = neighbours[best].clone(), float(scores[best])
            else:
                delta /= 2
    return objective.result("hill_climb", start_score, start_extra)


def cma_es(objective: BudgetedObjective, z0: torch.Tensor, rng: np.random.Generator,
           sigma0: float = 0.5, popsize: int | None = None) -> SearchResult:
    """CMA-ES from ``z0`` with step ``sigma0`` inside the box; the last generation may be cut short.

    The sampler draws from ``rng`` (cma's ``randn`` option), so no global RNG is touched.
    """
    import cma

    start_score, start_extra = _start(objective, z0)
    opts: dict[str, Any] = {
        "bounds": [-objective.bound, objective.bound],
        "randn": lambda *shape: rng.standard_normal(shape),
        "seed": np.nan,
        "verbose": -9,
        "verb_log": 0,
        "verb_disp": 0,
    }
    if popsize is not None:
        opts["popsize"] = popsize
    es = cma.CMAEvolutionStrategy(z0.detach().double().cpu().numpy(), sigma0, opts)
    with torch.no_grad():
        while objective.remaining > 0:
            xs = es.ask()
            n = min(len(xs), objective.remaining)
            z = torch.as_tensor(np.clip(np.asarray(xs[:n]), -objective.bound, objective.bound),
                                dtype=z0.dtype, device=z0.device)
            scores = objective(z).double().cpu().numpy()
            if n < len(xs):
                break
            es.tell(xs, list(-scores))
    return objective.result("cma_es", start_score, start_extra)


def gradient_ascent(objective: BudgetedObjective, z0: torch.Tensor, rng: np.random.Generator | None = None,
                    lr: float = 0.05) -> SearchResult:
    """The white-box oracle: Adam ascent on the score through G, D and C, projected onto the box.

    Every step scores the current latent (one call) and follows its gradient, so the curve after ``k``
    calls is exactly the run with budget ``k``. ``rng`` is unused (the method is deterministic).
    """
    if z0.ndim != 1:
        raise ValueError(f"z0 must be [z_dim], got shape {tuple(z0.shape)}")
    return _adam_ascent([objective], objective.score_fn, z0.unsqueeze(0), lr)[0]


def gradient_ascent_batch(score_fn: ScoreFn, z0: torch.Tensor, budget: int, bound: float = 3.0,
                          lr: float = 0.05) -> list[SearchResult]:
    """:func:`gradient_ascent` from many start latents at once, each with its own budget of ``budget`` calls.

    ``score_fn`` scores row ``i`` of ``z [B, z_dim]`` for start ``i`` (e.g. with that start's target) and
    must not mix rows (eval-mode models: a row's gradient is its own score's). Adam is elementwise, so row
    ``i`` follows the same path as ``gradient_ascent`` from ``z0[i]`` alone, up to the last bits of
    batch-size-dependent CPU kernels; one batch costs far less than ``B`` single-row steps.

    :param z0: ``[B, z_dim]`` start latents.
    :returns: one :class:`SearchResult` per row of ``z0``.
    """
    if z0.ndim != 2:
        raise ValueError(f"z0 must be [B, z_dim], got shape {tuple(z0.shape)}")
    objectives = [BudgetedObjective(score_fn, budget, bound) for _ in range(z0.shape[0])]
    return _adam_ascent(objectives, score_fn, z0, lr)


def _adam_ascent(objectives: list[BudgetedObjective], score_fn: ScoreFn, z0: torch.Tensor,
                 lr: float) -> list[SearchResult]:
    """Adam ascent of rows ``z0 [B, z_dim]``, row ``i`` spending the budget of ``objectives[i]``."""
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    z = z0.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)
    rows = range(z.shape[0])
    starts: list[tuple[float, dict[str, float]]] = []
    while min(o.remaining for o in objectives) > 0:
        with torch.enable_grad():
            for i, objective in enumerate(objectives):
                objective.check(z[i : i + 1])
            out = score_fn(z)
            score = _checked_score(out, z.shape[0])
            for i, objective in enumerate(objectives):
                objective.record(z, out, [i])
            if not starts:
                starts = [(o.best_score, dict(o.best_extra)) for o in objectives]
            optimizer.zero_grad(set_to_none=True)
            (-score.sum()).backward()
        optimizer.step()
        with torch.no_grad():
            z.clamp_(-objectives[0].bound, objectives[0].bound)
    return [objectives[i].result("gradient_ascent", *starts[i]) for i in rows]


SEARCH_METHODS: dict[str, Callable[..., SearchResult]] = {
    "random_search": random_search,
    "hill_climb": hill_climb,
    "cma_es": cma_es,
    "gradient_ascent": gradient_ascent,
}
"""LatentWalk search baselines by benchmark name: ``method(objective, z0, rng) -> SearchResult``."""


def run_search(method: str, score_fn: ScoreFn, z0: torch.Tensor, budget: int, seed: int,
               bound: float = 3.0, **kwargs: Any) -> SearchResult:
    """Run one named search baseline with a fresh :class:`BudgetedObjective`.

    :raises ValueError: on an unknown method name.
    """
    if method not in SEARCH_METHODS:
        raise ValueError(f"unknown search method {method!r}; choose from {sorted(SEARCH_METHODS)}")
    objective = BudgetedObjective(score_fn, budget, bound)
    return SEARCH_METHODS[method](objective, z0, np.random.default_rng(seed), **kwargs)


def scorer_objective(scorer: torch.nn.Module, target_one_hot: torch.Tensor) -> ScoreFn:
    """Bind a ``LatentScorer`` to one target ``[217]``: ``z [N, z_dim] -> LatentScore``."""
    target = target_one_hot.reshape(1, -1)

    def score_fn(z: torch.Tensor) -> Any:
        return scorer(z, target)

    return score_fn
