"""Benchmark runner (CSV schema, resume) and rliable aggregation on a hand-made table."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from agents.benchmark.aggregate import AGGREGATE_COLUMNS, aggregate, paired_difference, performance_profile
from agents.benchmark.runner import FINAL, RESULT_COLUMNS, ResultStore, RunOutput, config_id, read_results_csv, run_grid


def fake_task(calls):
    def task(context, seeds):
        out = {}
        for s in seeds:
            calls.append(s)
            out[s] = RunOutput(metrics={"gain": context * s}, curves={"curve": [(0, 0.0), (1, s)]},
                               generator_calls=10)
        return out
    return task


def test_csv_schema_and_resume(tmp_path):
    store = ResultStore(tmp_path)
    calls: list[int] = []
    cid = config_id({"steps": 3})
    counts = run_grid(store, [("EnvA", "agent1", fake_task(calls), 2.0, cid, [0, 1, 2])], progress=False)
    assert counts == {"ran": 3, "skipped": 0} and calls == [0, 1, 2]
    path = store.write_results()
    df = pd.read_csv(path)
    assert tuple(df.columns) == RESULT_COLUMNS
    assert len(df) == 3 * 3
    final = df[df["step"] == FINAL].sort_values("seed")
    assert final["value"].tolist() == [0.0, 2.0, 4.0]
    # resume: finished runs are not redone, new seeds are
    counts = run_grid(store, [("EnvA", "agent1", fake_task(calls), 2.0, cid, [0, 1, 2, 3])], progress=False)
    assert counts == {"ran": 1, "skipped": 3} and calls == [0, 1, 2, 3]
    # a changed config redoes the runs
    counts = run_grid(store, [("EnvA", "agent1", fake_task(calls), 2.0, config_id({"steps": 4}), [0])],
                      progress=False)
    assert counts == {"ran": 1, "skipped": 0}
    records = store.run_records()
    assert set(records["generator_calls"]) == {10}


def test_interrupted_run_is_redone(tmp_path):
    store = ResultStore(tmp_path)
    cid = config_id({})
    run_grid(store, [("E", "a", fake_task([]), 1.0, cid, [0])], progress=False)
    (tmp_path / "runs" / "E" / "a" / "seed0.json").unlink()  # as if killed between the two writes
    calls: list[int] = []
    assert run_grid(store, [("E", "a", fake_task(calls), 1.0, cid, [0])], progress=False)["ran"] == 1


def test_batched_task_gets_all_pending_seeds(tmp_path):
    seen = []

    def task(context, seeds):
        seen.append(list(seeds))
        return {s: RunOutput(metrics={"m": 1.0}) for s in seeds}

    task.batched_seeds = True
    run_grid(ResultStore(tmp_path), [("E", "a", task, None, "x", [0, 1, 2])], progress=False)
    assert seen == [[0, 1, 2]]


def hand_table() -> pd.DataFrame:
    rows = []
    for seed, (a, b) in enumerate([(1.0, 0.0), (2.0, 0.5), (3.0, 0.5), (4.0, 1.0), (100.0, 1.0)]):
        rows.append(("E", "a", seed, "c", "m", FINAL, a))
        rows.append(("E", "b", seed, "c", "m", FINAL, b))
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def test_rliable_aggregation_on_a_hand_made_table():
    agg = aggregate(hand_table(), "E", "m", reps=500, seed=0)
    assert tuple(agg.columns) == AGGREGATE_COLUMNS
    a = agg.set_index("agent").loc["a"]
    assert a["mean"] == pytest.approx(22.0)
    # IQM of 5 values (rliable trims 25% each side: scipy trim_mean drops 1 of 5 per side) = mean(2, 3, 4)
    assert a["iqm"] == pytest.approx(3.0)
    assert a["mean_lo"] <= a["mean"] <= a["mean_hi"] and a["iqm_lo"] <= a["iqm"] <= a["iqm_hi"]
    assert a["n_seeds"] == 5
    again = aggregate(hand_table(), "E", "m", reps=500, seed=0)
    pd.testing.assert_frame_equal(agg, again)


def test_an_agents_interval_does_not_depend_on_the_other_agents():
    table = hand_table()
    alone = aggregate(table[table["agent"] == "b"], "E", "m", reps=300, seed=0).set_index("agent").loc["b"]
    together = aggregate(table, "E", "m", reps=300, seed=0).set_index("agent").loc["b"]  # b comes second
    pd.testing.assert_series_equal(alone, together)


def test_fast_iqm_equals_rliable():
    from rliable import metrics

    from agents.benchmark.aggregate import _iqm

    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 4, 5, 7, 10, 13):
        x = rng.normal(size=(n, 1))
        assert _iqm(x) == pytest.approx(float(metrics.aggregate_iqm(x)), abs=1e-12)


def test_profile_and_paired_difference():
    point, ci = performance_profile(hand_table(), "E", "m", taus=[0.5, 2.5], reps=200)
    np.testing.assert_allclose(point["a"], [1.0, 0.6])
    np.testing.assert_allclose(point["b"], [0.4, 0.0])
    assert ci["a"].shape == (2, 2)
    lower, _ = performance_profile(hand_table(), "E", "m", taus=[0.75], higher_is_better=False, reps=200)
    np.testing.assert_allclose(lower["b"], [0.6])
    d, lo, hi = paired_difference(hand_table(), "E", "m", "a", "b", reps=500)
    assert d == pytest.approx(np.mean([1.0, 1.5, 2.5, 3.0, 99.0]))
    assert lo <= d <= hi


def test_missing_metric_is_a_clear_error():
    with pytest.raises(ValueError, match="no final values"):
        aggregate(hand_table(), "E", "nope")


def test_all_digit_config_id_survives_the_csv_round_trip(tmp_path):
    """A hash like '151107678756' has no hex letters; read back as an int it matched no env and the
    LatentCodebook section vanished from a real report."""
    store = ResultStore(tmp_path)
    cid = "151107678756"
    run_grid(store, [("EnvA", "agent1", fake_task([]), 1.0, cid, [0, 1])], progress=False)
    df = store.load({("EnvA", "agent1"): cid})
    assert len(df) == 2 * 3 and set(df["config_id"]) == {cid}
    store.write_results({("EnvA", "agent1"): cid})
    assert len(read_results_csv(tmp_path / "results.csv")) == 2 * 3
