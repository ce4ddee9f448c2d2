"""The environments, one per module: ``latent_walk`` (LatentWalk-v0), ``latent_codebook``
(LatentCodebook-v0), ``hyperparam_tune`` (HyperparamTune-v0). Each module holds its config, its batched core,
the single env and (where there is one) the native vector env.

This package imports nothing on purpose: ``gymnasium.make`` loads an env's module from its string entry
point, so importing one env never imports the others.
"""
