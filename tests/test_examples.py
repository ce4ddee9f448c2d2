"""Every example script runs in smoke mode (tiny budget) on tiny random models (``--smoke --tiny``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = ["use_from_another_project.py", "sb3_dqn_latent_walk.py",
           "ppo_hyperparam_tune.py",
           "bandit_latent_codebook.py", "custom_agent_template.py", "walk_step_size.py",
           "eyebrow_resolution.py"]


def test_every_example_is_listed():
    found = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    names = set(SCRIPTS)
    assert names <= found


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs_in_smoke_mode(script, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--smoke", "--tiny"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert proc.stdout.strip(), f"{script} printed nothing"
