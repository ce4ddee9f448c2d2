"""The whole benchmark on tiny models with a tiny profile: schema, matched budgets, resume, report."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from agents.benchmark import suite
from agents.benchmark.codebook_tasks import CodebookSettings
from agents.benchmark.runner import FINAL, RESULT_COLUMNS
from agents.benchmark.tune_tasks import TuneSettings
from agents.benchmark.walk_tasks import SEARCH_AGENTS, WalkSettings


@pytest.fixture
def tiny_profile(monkeypatch):
    prof = suite.Profile(
        "quick",
        WalkSettings(max_steps=4, eval_faces=2, train_episodes=2, sb3_timesteps=32, sb3_envs=2, search_budget=30),
        CodebookSettings(horizon=60, num_arms=4, mc_samples=2, n_points=10),
        TuneSettings(max_steps=2, ppo_timesteps=4, search_candidates=4, eval_instances=1),
        {"LatentWalk-v0": 2, "LatentCodebook-v0": 2, "HyperparamTune-v0": 1},
    )
    monkeypatch.setattr(suite, "profiles", lambda: {"quick": prof})
    return prof


def test_walk_and_codebook_end_to_end(tmp_path, tiny_profile):
    res = suite.run_benchmark(tmp_path, "quick", envs=["LatentWalk-v0", "LatentCodebook-v0"], tiny=True,
                              progress=False, command="test", bootstrap_reps=100)
    df = pd.read_csv(res["results"])
    assert tuple(df.columns) == RESULT_COLUMNS
    walk = df[(df["env"] == "LatentWalk-v0") & (df["step"] == FINAL)]
    assert set(walk["agent"]) == set(suite.walk_tasks())
    assert set(walk["seed"]) == {0, 1}
    # matched budgets: every search baseline got the same generator calls, RL eval walks the same
    calls = walk[walk["metric"] == "eval_calls"].groupby("agent")["value"].unique()
    assert {float(calls[a][0]) for a in SEARCH_AGENTS} == {2 * 30.0}
    assert {float(calls[a][0]) for a in ("tabular_q", "qnetwork", "dqn", "ppo", "random_actions",
                                                      "gradient_walk")} == {2 * 5.0}
    # the exact-lookahead oracle also pays for scoring all 2 * z_dim = 32 moves at each of its 4 steps per face
    assert float(calls["greedy_walk"][0]) == 2 * 5.0 + 2 * 4 * 32
    # training calls as used: one per step and per episode start (2 episodes of 4 steps for tabular Q); PPO
    # finishes its 128-step rollout on 2 walks (256 steps, 64 episodes), DQN stops at 32 steps (8 episodes)
    train = walk[walk["metric"] == "train_calls"].groupby("agent")["value"].unique()
    assert float(train["tabular_q"][0]) == 2 * 5 and float(train["random_actions"][0]) == 0
    assert float(train["ppo"][0]) == 256 + 2 + 64 and float(train["dqn"][0]) == 32 + 2 + 8
    meta = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "runs" / "LatentWalk-v0").glob("*/seed0.json")}
    assert all(meta[a]["generator_calls"] == 60 for a in SEARCH_AGENTS)
    cb = df[(df["env"] == "LatentCodebook-v0") & (df["metric"] == "cumulative_regret")]
    assert cb["step"].max() == 60
    report = (tmp_path / "report.md").read_text()
    assert "tiny random models" in report and "| agent | seeds |" in report
    assert (tmp_path / "report.html").is_file() and (tmp_path / "figures" / "walk_faces.png").is_file()
    # resume: nothing is redone, the results are the same
    again = suite.run_benchmark(tmp_path, "quick", envs=["LatentWalk-v0", "LatentCodebook-v0"], tiny=True,
                                progress=False, report=False)
    assert again["ran"] == 0 and again["skipped"] == res["ran"]
    pd.testing.assert_frame_equal(pd.read_csv(again["results"]), df)


def test_same_seed_same_results(tmp_path, tiny_profile):
    kwargs = dict(envs=["LatentWalk-v0"], agents=["tabular_q", "cma_es"], seeds=1, tiny=True, progress=False,
                  report=False)
    a = pd.read_csv(suite.run_benchmark(tmp_path / "a", "quick", **kwargs)["results"])
    b = pd.read_csv(suite.run_benchmark(tmp_path / "b", "quick", **kwargs)["results"])
    pd.testing.assert_frame_equal(a, b)


def test_rl_training_never_sees_an_evaluation_face_or_another_run_seeds_faces(tmp_path, tiny_profile, monkeypatch):
    """Tabular Q trained on evaluation faces for run seed 1 when training seeds were ``seed * 1_000_003 + k``."""
    from agents.benchmark import walk_tasks

    seen: dict[int, list[int]] = {}
    real = walk_tasks.run_episode

    def recorded(env, agent, seed=None, **kwargs):
        seen.setdefault(agent.seed, []).append(seed)
        return real(env, agent, seed=seed, **kwargs)

    monkeypatch.setattr(walk_tasks, "run_episode", recorded)
    suite.run_benchmark(tmp_path, "quick", envs=["LatentWalk-v0"], agents=["tabular_q"], seed_list=[0, 1],
                        tiny=True, progress=False, report=False)
    assert seen == {r: [walk_tasks.training_seed(r, k) for k in range(2)] for r in (0, 1)}
    # the seed blocks (episodes, and SB3's parallel walks from training_seed(r, 0)) of run seeds 0..9 in the
    # full profile: disjoint from the evaluation seeds and from each other
    blocks = [{walk_tasks.training_seed(r, k) for k in range(500)} for r in range(10)]
    evaluation = {walk_tasks.EVAL_SEED + i for i in range(64)}
    assert all(not b & evaluation for b in blocks)
    assert sum(len(b) for b in blocks) == len(set().union(*blocks))
    with pytest.raises(ValueError, match=r"training episode index must be in \[0, 1048576\), got 1048576"):
        walk_tasks.training_seed(0, 2**20)


def test_a_task_protocol_version_redoes_only_that_tasks_runs(tmp_path, tiny_profile, monkeypatch):
    from agents.benchmark import walk_tasks

    kwargs = dict(envs=["LatentWalk-v0"], agents=["tabular_q", "random_actions"], seeds=1, tiny=True,
                  progress=False, report=False)
    first = suite.run_benchmark(tmp_path, "quick", **kwargs)
    assert first["ran"] == 2
    ids = json.loads((tmp_path / "benchmark.json").read_text())["config_ids"]
    assert ids["LatentWalk-v0/tabular_q"] != ids["LatentWalk-v0/random_actions"]  # protocol 2 vs implicit 1
    tasks = walk_tasks.walk_tasks()
    tasks["tabular_q"].protocol = 3
    original = suite.agent_table
    monkeypatch.setattr(suite, "agent_table", lambda: {**original(), "LatentWalk-v0": tasks})
    again = suite.run_benchmark(tmp_path, "quick", **kwargs)
    assert again["ran"] == 1 and again["skipped"] == 1


def test_gradient_ascent_runs_once_for_all_pending_seeds(tmp_path, tiny_profile, monkeypatch):
    """The white-box oracle is deterministic: one batched ascent per call, the same result for every seed."""
    import agents.baselines

    calls = []
    real = agents.baselines.gradient_ascent_batch

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(agents.baselines, "gradient_ascent_batch", counted)
    res = suite.run_benchmark(tmp_path, "quick", envs=["LatentWalk-v0"], agents=["gradient_ascent"], seeds=3,
                              tiny=True, progress=False, report=False)
    assert res["ran"] == 3 and len(calls) == 1
    final = pd.read_csv(res["results"]).query("step == @FINAL").pivot_table(index="seed", columns="metric",
                                                                             values="value")
    assert len(final) == 3 and (final.nunique() == 1).all()
    assert final["score_gain"].iloc[0] > 0


@pytest.mark.slow
def test_hyperparam_tune_end_to_end_budgets_matched(tmp_path, tiny_profile):
    res = suite.run_benchmark(tmp_path, "quick", envs=["HyperparamTune-v0"], tiny=True, progress=False,
                              bootstrap_reps=100)
    df = pd.read_csv(res["results"])
    final = df[df["step"] == FINAL].pivot_table(index="agent", columns="metric", values="value")
    assert final.loc["random_search", "train_steps"] == final.loc["ppo", "train_steps"] == 4
    assert final.loc["constant_default", "train_steps"] == 0
    assert (final["final_fd"] > 0).all()


def test_bad_arguments(tmp_path, tiny_profile):
    with pytest.raises(ValueError, match="--envs"):
        suite.run_benchmark(tmp_path, "quick", envs=["Nope-v0"], tiny=True)
    with pytest.raises(ValueError, match="--agents"):
        suite.run_benchmark(tmp_path, "quick", envs=["LatentWalk-v0"], agents=["ucb1"], tiny=True)
    with pytest.raises(ValueError, match="profile"):
        suite.run_benchmark(tmp_path, "huge", tiny=True)
    with pytest.raises(ValueError, match="seeds"):
        suite.run_benchmark(tmp_path, "quick", seeds=0, tiny=True)


def test_a_run_split_by_seed_list_merges_into_the_single_run(tmp_path, tiny_profile):
    """Seeds run in two folders with --seed-list, then merged: nothing is redone and the table is the one a
    single run makes."""
    kwargs = {"envs": ["LatentWalk-v0"], "agents": ["tabular_q", "gradient_walk"], "tiny": True, "progress": False,
              "report": False}
    whole = pd.read_csv(suite.run_benchmark(tmp_path / "whole", "quick", seeds=2, **kwargs)["results"])
    for part, seed in (("a", 0), ("b", 1)):
        res = suite.run_benchmark(tmp_path / part, "quick", seed_list=[seed], **kwargs)
        assert res["ran"] == 2 and set(pd.read_csv(res["results"])["seed"]) == {seed}
    merged = tmp_path / "merged"
    for part in ("a", "b"):
        shutil.copytree(tmp_path / part / "runs", merged / "runs", dirs_exist_ok=True)
    again = suite.run_benchmark(merged, "quick", seeds=2, **kwargs)
    assert again["ran"] == 0 and again["skipped"] == 4
    pd.testing.assert_frame_equal(pd.read_csv(again["results"]), whole)


@pytest.mark.parametrize("arm_radius, per_arm", [(0.5, 3), (0.0, 1)])
def test_codebook_generator_calls_count_the_arm_means_really_sampled(arm_radius, per_arm):
    """Point arms (radius 0) are scored once each, whatever ``mc_samples`` says."""
    from agents.benchmark.codebook_tasks import CodebookContext, codebook_tasks

    models = suite.tiny_models()
    ctx = CodebookContext(CodebookSettings(horizon=10, num_arms=4, arm_radius=arm_radius, mc_samples=3, n_points=5),
                          {"generator": models["generator"], "discriminator": models["discriminator"]})
    out = codebook_tasks()["ucb1"](ctx, [0])
    assert out[0].generator_calls == 10 + 4 * per_arm


def test_face_grid_names_the_seed_it_shows(tmp_path):
    import numpy as np

    from agents.benchmark.report import _faces

    folder = tmp_path / "artifacts" / "LatentWalk-v0" / "ppo"
    folder.mkdir(parents=True)
    faces = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    np.savez_compressed(folder / "seed3_faces.npz", start=faces, end=faces)
    df = pd.DataFrame([("LatentWalk-v0", "ppo", 3, "c", "score_end", FINAL, 0.5)], columns=list(RESULT_COLUMNS))
    assert [label for label, _ in _faces(tmp_path, df)] == ["start faces (random z)", "ppo: delivered faces (seed 3)"]
