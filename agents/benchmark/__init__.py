"""The benchmark: runner (agents x envs x seeds, resumable, tidy CSV), aggregation with rliable, plots and
the report. Entry point: :func:`agents.benchmark.suite.run_benchmark` (``gan-latent-env benchmark``)."""
