"""The synthetic retail bank: raw extracts with a hidden ground truth.

Public entry point: :func:`generate_bank` (returns a :class:`GenerationSummary`).
One part per module: ``customers`` (KYC master data), ``accounts`` (products),
``dynamics`` (the latent monthly step), ``simulate`` (the main path), ``oracle``
and ``snapshots`` (true probabilities by Monte Carlo, populations, labels),
``attributes`` (changes over time), ``balances``, ``transactions`` and
``anomalies``, ``dirty`` (rows for the ETL to quarantine), ``writer`` and
``schemas`` (the extracts), ``reference`` and ``timeline`` (fixed tables, the
month grid and the macro factor), ``profile`` and ``plots`` (the notebook's
summaries and charts).
"""

from riskinsights_lib.generate.bank import GenerationSummary, generate_bank

__all__ = ["GenerationSummary", "generate_bank"]
