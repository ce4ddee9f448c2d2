"""Agents for the gan-latent-env environments: one module per family, one shared interface.

``agents.base`` (the ``Agent`` interface), ``agents.bandits`` (LatentCodebook), ``agents.tabular`` and
``agents.qnetwork`` (LatentWalk), ``agents.baselines`` (search baselines and the white-box oracle),
``agents.sb3`` (Stable-Baselines3 DQN/PPO helpers), ``agents.benchmark`` (runner, aggregation, report).
Modules are imported on demand so that ``import agents`` stays light.
"""

from agents.base import Agent, run_episode

__all__ = ["Agent", "run_episode"]
