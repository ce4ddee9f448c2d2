"""The benchmark definition: profiles (``quick`` / ``full``), the agent table per env, and
:func:`run_benchmark`, which runs the grid, aggregates, plots and writes the report.

``quick`` is sized to finish in about 10 minutes on 2 CPU cores with the bundled models; ``full`` is the run
behind the README's numbers (see docs/benchmark.md for its time and hardware). ``tiny=True`` swaps in small
randomly initialised models (seeded) so the whole pipeline can be smoke-tested without the bundled weights;
numbers from it mean nothing about the bundled models.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.benchmark.codebook_tasks import CodebookContext, CodebookSettings, codebook_tasks
from agents.benchmark.runner import ResultStore, config_id, run_grid
from agents.benchmark.walk_tasks import WalkContext, WalkSettings, walk_tasks

logger = logging.getLogger(__name__)

ENVS: tuple[str, ...] = ("LatentWalk-v0", "LatentCodebook-v0", "HyperparamTune-v0")


@dataclass(frozen=True)
class Profile:
    """Budgets and seeds of one benchmark size."""

    name: str
    walk: WalkSettings
    codebook: CodebookSettings
    tune: Any
    seeds: dict[str, int] = field(default_factory=dict)


def _tune_settings(**kwargs: Any) -> Any:
    from agents.benchmark.tune_tasks import TuneSettings

    return TuneSettings(**kwargs)


ENV_MODELS: dict[str, tuple[str, ...]] = {
    "LatentWalk-v0": ("generator", "discriminator", "classifier"),
    "LatentCodebook-v0": ("generator", "discriminator"),
    "HyperparamTune-v0": ("classifier",),  # trains its own GAN; the classifier gives the Fréchet features
}
"""The bundled models each env's results depend on."""


def _models_id(weights_dir: str | Path | None, roles: tuple[str, ...] | None = None) -> str:
    """``bundled@HASH`` or ``FOLDER@HASH``: a content hash of the models ``roles`` keys the results, so a run
    finished with other weights (a retrained bundle, a changed folder) is never counted as finished."""
    from gan.pretrained import weights_fingerprint

    name = str(Path(weights_dir).resolve()) if weights_dir is not None else "bundled"
    return f"{name}@{weights_fingerprint(weights_dir, roles)}"


def profiles() -> dict[str, Profile]:
    """The ``quick`` and ``full`` profiles."""
    return {
        "quick": Profile(
            "quick",
            WalkSettings(max_steps=20, eval_faces=2, train_episodes=5, sb3_timesteps=1_024, sb3_envs=4,
                         search_budget=63),
            CodebookSettings(horizon=300, num_arms=10, arm_radius=0.5, mc_samples=8, n_points=40),
            _tune_settings(max_steps=3, ppo_timesteps=6, search_candidates=2, eval_instances=1),
            {"LatentWalk-v0": 2, "LatentCodebook-v0": 3, "HyperparamTune-v0": 2},
        ),
        "full": Profile(
            "full",
            WalkSettings(max_steps=20, eval_faces=16, train_episodes=500, sb3_timesteps=50_000, sb3_envs=16,
                         search_budget=2_000),
            CodebookSettings(horizon=5_000, num_arms=100, arm_radius=0.5, mc_samples=64, n_points=100),
            _tune_settings(),
            {"LatentWalk-v0": 5, "LatentCodebook-v0": 10, "HyperparamTune-v0": 5},
        ),
    }


def agent_table() -> dict[str, dict[str, Any]]:
    """env -> {agent name -> task}."""
    from agents.benchmark.tune_tasks import tune_tasks

    return {"LatentWalk-v0": walk_tasks(), "LatentCodebook-v0": codebook_tasks(), "HyperparamTune-v0": tune_tasks()}


def tiny_models(seed: int = 0) -> dict[str, Any]:
    """Small randomly initialised G (z_dim 16, 32x32, ngf 8), D (ndf 8) and C (width 8), seeded."""
    from gan.models import (AttributeClassifier, ClassifierConfig, Discriminator, DiscriminatorConfig, Generator,
                            GeneratorConfig)

    return {
        "generator": Generator(GeneratorConfig(z_dim=16, image_size=32, ngf=8), seed=seed),
        "discriminator": Discriminator(DiscriminatorConfig(image_size=32, ndf=8), seed=seed + 1),
        "classifier": AttributeClassifier(ClassifierConfig(image_size=32, width=8, stages=2), seed=seed + 2),
    }


def _settings_dict(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else dict(obj)


def _run_config_id(profile: str, models_id: str, settings: Any, task: Any) -> str:
    """The ``config_id`` of one (env, agent): profile, models and env settings, plus the task's ``protocol``
    version when it is above 1 (version 1 adds nothing, so runs recorded before a task had versions stay
    valid)."""
    key = {"profile": profile, "models": models_id, "settings": _settings_dict(settings)}
    protocol = getattr(task, "protocol", 1)
    if protocol != 1:
        key["protocol"] = protocol
    return config_id(key)


def run_benchmark(out_dir: str | Path, profile: str = "quick", envs: list[str] | None = None,
                  agents: list[str] | None = None, seeds: int | None = None, device: str = "cpu",
                  tiny: bool = False, progress: bool = True, report: bool = True,
                  command: str | None = None, bootstrap_reps: int = 2000,
                  weights_dir: str | Path | None = None, seed_list: list[int] | None = None) -> dict[str, Any]:
    """Run (or resume) the benchmark into ``out_dir``; aggregate, plot and write ``report.md`` / ``.html``.

    :param profile: ``"quick"`` or ``"full"``.
    :param envs: env ids to run (default: all three).
    :param agents: agent names to run (default: all of each env's agents); unknown names are an error.
    :param seeds: seeds per env (default: the profile's per-env counts); seeds are ``0 .. seeds - 1``.
    :param seed_list: run exactly these seeds instead (exclusive with ``seeds``): to split one run over
        processes or machines. Merge by copying their ``runs/`` and ``artifacts/`` folders into one output
        folder and running there again with ``seeds``: finished runs are found, nothing is redone.
    :param device: torch device of the models (``"cpu"``, ``"cuda"``, ``"auto"``).
    :param weights_dir: a folder with ``generator`` / ``discriminator`` / ``classifier`` ``.safetensors`` files
        (the bundled layout) to use instead of the bundled weights.
    :param bootstrap_reps: bootstrap resamples per confidence interval in the report.
    :param tiny: use :func:`tiny_models` instead of the bundled weights (and, for HyperparamTune, 64 training
        faces and a 32-image Fréchet sample).
    :returns: ``{"results": path, "report": path or None, "ran": n, "skipped": m, "wall_s": s}``.
    :raises ValueError: on an unknown profile, env or agent name, ``seeds < 1``, or a bad ``seed_list``.
    """
    table = profiles()
    if profile not in table:
        raise ValueError(f"profile must be one of {sorted(table)}, got {profile!r}")
    prof = table[profile]
    envs = list(envs or ENVS)
    unknown = sorted(set(envs) - set(ENVS))
    if unknown:
        raise ValueError(f"--envs: unknown env(s) {unknown}; choose from {list(ENVS)}")
    tasks = agent_table()
    known_agents = {a for e in envs for a in tasks[e]}
    if agents is not None:
        bad = sorted(set(agents) - known_agents)
        if bad:
            raise ValueError(f"--agents: unknown agent(s) {bad} for envs {envs}; choose from {sorted(known_agents)}")
    if seeds is not None and seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    if seed_list is not None:
        if seeds is not None:
            raise ValueError("--seeds and --seed-list are exclusive: give a count or the seeds themselves")
        bad_seeds = [x for x in seed_list if isinstance(x, bool) or not isinstance(x, int) or x < 0]
        if not seed_list or bad_seeds or len(set(seed_list)) != len(seed_list):
            raise ValueError(f"--seed-list must be distinct integers >= 0, got {seed_list}")
        seed_list = sorted(seed_list)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = ResultStore(out_dir)
    if tiny and weights_dir is not None:
        raise ValueError("--tiny and --weights are exclusive: choose tiny random models or a weights folder")
    if tiny:
        models = tiny_models()
    elif weights_dir is not None:
        from gan.pretrained import load

        loaded = load(device=device if device != "auto" else "cpu", weights_dir=weights_dir)
        models = {"generator": loaded.generator, "discriminator": loaded.discriminator,
                  "classifier": loaded.classifier}
    else:
        models = {}
    base_kwargs = {**models, "device": device}
    contexts = {
        "LatentWalk-v0": WalkContext(prof.walk, base_kwargs, out_dir / "artifacts", out_dir / "tensorboard"),
        "LatentCodebook-v0": CodebookContext(prof.codebook, {k: v for k, v in base_kwargs.items() if k != "classifier"}),
    }
    if "HyperparamTune-v0" in envs:
        from agents.benchmark.tune_tasks import TuneContext

        tune_kwargs = {"classifier": models["classifier"]} if models else {}
        if tiny:
            tune_kwargs.update(num_faces=64, fd_sample_size=32)
        contexts["HyperparamTune-v0"] = TuneContext(prof.tune, {"device": device, **tune_kwargs}, tiny=tiny)
    settings = {"LatentWalk-v0": prof.walk, "LatentCodebook-v0": prof.codebook, "HyperparamTune-v0": prof.tune}
    models_ids = {e: "tiny" if tiny else _models_id(weights_dir, ENV_MODELS[e]) for e in envs}
    cids = {(e, name): _run_config_id(profile, models_ids[e], settings[e], task)
            for e in envs for name, task in tasks[e].items()}
    models_id = "tiny" if tiny else _models_id(weights_dir)
    plan = []
    seed_counts = {}
    for env in envs:
        n = seeds if seeds is not None else prof.seeds[env]
        env_seeds = list(seed_list) if seed_list is not None else list(range(n))
        seed_counts[env] = list(seed_list) if seed_list is not None else n
        for name, task in tasks[env].items():
            if agents is None or name in agents:
                plan.append((env, name, task, contexts[env], cids[env, name], env_seeds))
    start = time.perf_counter()
    counts = run_grid(store, plan, progress=progress)
    wall = time.perf_counter() - start
    results = store.write_results(cids)
    meta = {"profile": profile, "tiny": tiny, "models": models_id, "device": device, "envs": envs, "agents": agents,
            "seeds": seed_counts, "settings": {e: _settings_dict(settings[e]) for e in envs},
            "config_ids": {f"{e}/{a}": cid for (e, a), cid in cids.items()},
            "command": command, "wall_s_this_invocation": wall, **counts}
    (out_dir / "benchmark.json").write_text(json.dumps(meta, indent=1, default=str))
    report_path = None
    if report:
        from agents.benchmark.report import write_report

        report_path = write_report(out_dir, meta, models=models or None, device=device, reps=bootstrap_reps)
    return {"results": results, "report": report_path, "wall_s": wall, **counts}
