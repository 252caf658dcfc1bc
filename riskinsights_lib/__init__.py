"""RiskInsights: risk and customer analytics for a retail bank.

The notebooks in ``notebooks/`` tell the story; this package holds the logic
they call: data generation, the DuckDB datamart, BI KPIs, the credit
scorecard, the churn model, the anomaly detector and the run machinery.
"""

__version__ = "0.1.0"
