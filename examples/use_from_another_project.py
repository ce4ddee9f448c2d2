"""Use the environments from any project: ``gym.make`` with the package prefix, no explicit import.

    python examples/use_from_another_project.py            # bundled models
    python examples/use_from_another_project.py --smoke --tiny
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from _common import model_kwargs, parser


def main() -> None:
    args = parser(__doc__).parse_args()
    steps = 3 if args.smoke else 20
    # "gan_latent_env:" makes Gymnasium import the package, which registers the ids.
    env = gym.make("gan_latent_env:LatentWalk-v0", max_steps=steps, **model_kwargs(args))
    obs, info = env.reset(seed=args.seed)
    print(f"LatentWalk-v0: obs {obs.shape} {obs.dtype}, actions {env.action_space}")
    print(f"start: realism {info['realism']:.3f}, score {info['score']:.3f}, matched {info['matched_count']}/18")
    rng = np.random.default_rng(args.seed)
    done, total = False, 0.0
    while not done:
        obs, reward, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
        total += reward
        done = terminated or truncated
    print(f"random walk of {steps} steps: return {total:.3f}, final realism {info['realism']:.3f}")
    env.close()

    # The native vector env: one batched G/D/C forward for all walks.
    vec = gym.make_vec("gan_latent_env:LatentWalk-v0", num_envs=4, vectorization_mode="vector_entry_point",
                       max_steps=steps, **model_kwargs(args))
    obs, info = vec.reset(seed=args.seed)
    obs, reward, terminated, truncated, info = vec.step(vec.action_space.sample())
    print(f"vector env: obs {obs.shape}, rewards {np.round(reward, 3)}")
    vec.close()


if __name__ == "__main__":
    main()
