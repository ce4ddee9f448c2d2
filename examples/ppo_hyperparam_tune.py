"""PPO controls the learning rate and beta1 of a live GAN training run (HyperparamTune-v0, "tiny" preset),
compared with the constant DCGAN default (lr 2e-4, beta1 0.5) on held-out test instances.

    python examples/ppo_hyperparam_tune.py
    python examples/ppo_hyperparam_tune.py --smoke --tiny
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from _common import parser

from agents.benchmark.tune_tasks import action_for
from agents.sb3 import SB3Agent


def final_fd(env: gym.Env, policy, instances: int) -> float:
    values = []
    for i in range(instances):
        obs, info = env.reset(options={"instance_index": i})
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            done = terminated or truncated
        values.append(info["fd"])
    return float(np.mean(values))


def main() -> None:
    args = parser(__doc__).parse_args()
    kwargs = {"preset": "tiny", "device": args.device}
    if args.smoke:
        kwargs.update(max_steps=2)
    if args.tiny:
        from agents.benchmark.suite import tiny_models

        kwargs.update(classifier=tiny_models(args.seed)["classifier"], num_faces=64, fd_sample_size=32)
    train_env = gym.make("gan_latent_env:HyperparamTune-v0", instance_set="train", **kwargs)
    overrides = {"n_timesteps": 4, "n_steps": 4, "batch_size": 4} if args.smoke else {}
    agent = SB3Agent("ppo", "HyperparamTune-v0", hyperparams=overrides, seed=args.seed)
    agent.setup(train_env)
    agent.learn()
    print(f"PPO trained for {agent.total_timesteps} env steps")

    test_env = gym.make("gan_latent_env:HyperparamTune-v0", instance_set="test", **kwargs)
    n = 1 if args.smoke else 4
    default = action_for(test_env, 2e-4, 0.5)
    print(f"final Fréchet distance (classifier features), mean of {n} test instances:")
    print(f"  PPO               {final_fd(test_env, agent.act, n):.4f}")
    print(f"  constant default  {final_fd(test_env, lambda obs: default, n):.4f}")


if __name__ == "__main__":
    main()
