"""gan-latent-env: a trained DCGAN and attribute classifier as registered Gymnasium environments.

Importing the package registers the environments (``register_envs()``), so
``gym.make("gan_latent_env:LatentWalk-v0")`` works from any project without an explicit import. The entry
points are strings: nothing heavy (torch models, the envs' modules) is imported until an env is made.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ENV_IDS", "register_envs"]

_ENVS: tuple[dict[str, Any], ...] = (
    # The latent envs truncate themselves after their own `max_steps` / `horizon` argument, so they are
    # registered without a TimeLimit (max_episode_steps=None): one episode-length knob, which gym.make and
    # gym.make_vec (whose vector_entry_point path adds no TimeLimit) both honour.
    {
        "id": "LatentWalk-v0",
        "entry_point": "gan_latent_env.envs.latent_walk:LatentWalkEnv",
        "vector_entry_point": "gan_latent_env.envs.latent_walk:LatentWalkVectorEnv",
        "max_episode_steps": None,
    },
    {
        "id": "LatentCodebook-v0",
        "entry_point": "gan_latent_env.envs.latent_codebook:LatentCodebookEnv",
        "vector_entry_point": "gan_latent_env.envs.latent_codebook:LatentCodebookVectorEnv",
        "max_episode_steps": None,
    },
    {"id": "HyperparamTune-v0", "entry_point": "gan_latent_env.envs.hyperparam_tune:HyperparamTuneEnv", "max_episode_steps": None},
)

ENV_IDS: tuple[str, ...] = tuple(spec["id"] for spec in _ENVS)
"""Every environment id this package registers."""


def register_envs() -> None:
    """Register every environment id with Gymnasium; calling it again is a no-op."""
    from gymnasium.envs.registration import register, registry

    for spec in _ENVS:
        if spec["id"] not in registry:
            register(**spec)


register_envs()
