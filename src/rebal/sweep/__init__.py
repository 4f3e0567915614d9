"""Parameter sweeps at memory speed, walk-forward tests and their study-file section.

- :func:`rebal.sweep.runner.run_configs`: many (policy, costs) configurations on
  one market (and on bootstrap price paths) with the batched kernel.
- :mod:`rebal.sweep.grid`: the ``sweep:`` section of a study file (named axes).
- :func:`rebal.sweep.study.run_sweep`: a whole sweep study (table, baselines,
  walk-forward, bootstrap).
"""
