"""The synthetic retail bank: raw extracts with a hidden ground truth.

Public entry point: :func:`generate_bank`. The modules hold one part each:
``customers`` (KYC), ``accounts`` (products), ``dynamics`` (the latent monthly
step), ``simulate`` (the main path), ``oracle`` (true probabilities by Monte
Carlo), ``balances``, ``transactions`` and ``anomalies``, ``attributes``
(changes over time), ``dirty`` (rows for the ETL to quarantine), ``writer``.
"""

from riskinsights_lib.generate.bank import GenerationSummary, generate_bank

__all__ = ["GenerationSummary", "generate_bank"]
