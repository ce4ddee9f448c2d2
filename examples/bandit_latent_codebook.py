"""UCB1 and epsilon-greedy (EMA) on LatentCodebook-v0: which arm of the latent codebook gives the most
realistic faces? Prints cumulative regret and policy entropy.

    python examples/bandit_latent_codebook.py
    python examples/bandit_latent_codebook.py --smoke --tiny
"""

from __future__ import annotations

import gymnasium as gym
from _common import model_kwargs, parser

from agents.bandits import UCB1, EpsilonGreedyEMA


def main() -> None:
    args = parser(__doc__).parse_args()
    horizon, arms = (50, 5) if args.smoke else (2000, 100)
    env = gym.make("gan_latent_env:LatentCodebook-v0", num_arms=arms, horizon=horizon,
                   mc_samples=4 if args.smoke else 64, **model_kwargs(args, classifier=False))
    for agent in (UCB1(n_arms=arms, seed=args.seed), EpsilonGreedyEMA(n_arms=arms, seed=args.seed)):
        obs, info = env.reset(seed=args.seed)  # the same codebook for both agents
        done = False
        while not done:
            action = agent.act(obs, info)
            obs, reward, terminated, truncated, info = env.step(action)
            agent.update(None, action, reward, obs, terminated, truncated, info)
            done = terminated or truncated
        best = int(agent.counts.argmax())
        print(f"{agent.name:>15}: cumulative regret {agent.cumulative_regret[-1]:.3f} after {horizon} pulls, "
              f"final policy entropy {agent.entropies[-1]:.3f} nats, most pulled arm {best} "
              f"(best arm {info['best_arm'] if 'best_arm' in info else env.unwrapped.arm_means.argmax()})")


if __name__ == "__main__":
    main()
