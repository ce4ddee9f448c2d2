"""Train Stable-Baselines3 DQN on LatentWalk-v0 (native batched env), evaluate it, save and reload it.

    python examples/sb3_dqn_latent_walk.py                  # hyperparameters from agents/hyperparams/dqn.yml
    python examples/sb3_dqn_latent_walk.py --smoke --tiny
    tensorboard --logdir runs/dqn_latent_walk               # training curves
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np
from _common import model_kwargs, parser

from agents import Agent
from agents.sb3 import SB3Agent


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out", default="runs/dqn_latent_walk", help="TensorBoard logs and the saved agent")
    args = p.parse_args()
    out = Path(tempfile.mkdtemp()) if args.smoke else Path(args.out)
    overrides = {"n_timesteps": 64, "n_envs": 2, "learning_starts": 16} if args.smoke else {}
    agent = SB3Agent("dqn", "LatentWalk-v0", hyperparams=overrides, seed=args.seed)
    env_kwargs = {"max_steps": 20, **model_kwargs(args)}
    agent.setup(agent.make_env(env_kwargs), tensorboard_log=out / "tb")
    agent.learn(progress_bar=not args.smoke)
    path = agent.save(out / "dqn_latent_walk")
    print(f"trained {agent.total_timesteps} steps; saved {path}")

    env = gym.make("gan_latent_env:LatentWalk-v0", **env_kwargs)
    loaded = Agent.load(path)
    gains, realism = [], []
    for i in range(2 if args.smoke else 10):
        obs, info = env.reset(seed=10_000 + i)
        start, done = info, False
        while not done:
            obs, _, terminated, truncated, info = env.step(loaded.act(obs))
            done = terminated or truncated
        gains.append(info["score"] - start["score"])
        realism.append((start["realism"], info["realism"]))
    r = np.array(realism)
    print(f"greedy walks: mean score gain {np.mean(gains):.4f}, sigma(D) {r[:, 0].mean():.3f} -> {r[:, 1].mean():.3f}")


if __name__ == "__main__":
    main()
