"""BI reporting: portfolio, transaction, credit-risk and customer KPIs, charts and exports.

All figures are computed in SQL against the datamart (``sql/*.sql``, read
through the ``bi_*`` views of ``sql/views.sql``); each KPI function takes a
DuckDB connection and returns a DataFrame. Charts take those DataFrames and
``ax=None``; narratives turn them into the sentences that open each section;
:func:`export_bi_bundle` writes the BI-ready files.

Example
-------
>>> import duckdb
>>> from riskinsights_lib.bi import compute_kpis, headline_kpis
>>> con = duckdb.connect("outputs/latest/datamart.duckdb", read_only=True)  # doctest: +SKIP
>>> kpis = compute_kpis(con, top_n=10)  # doctest: +SKIP
"""

from riskinsights_lib.bi._sql import DPD_BUCKETS, ensure_views
from riskinsights_lib.bi.charts import (
    plot_accounts_by_product,
    plot_balances,
    plot_channel_mix,
    plot_customers_by_segment,
    plot_new_closed,
    plot_segment_product,
    plot_top_categories,
    plot_top_countries,
    plot_transactions_by_month,
    plot_utilisation,
    plot_weekday_hour,
)
from riskinsights_lib.bi.charts_risk import (
    plot_activity,
    plot_churn,
    plot_default_by_product,
    plot_default_rates,
    plot_delinquency,
    plot_product_holding,
    plot_reconciliation,
    plot_rejects,
    plot_roll_rates,
    plot_vintages,
)
from riskinsights_lib.bi.exports import (
    EXPORT_FORMATS,
    MANIFEST_NAME,
    data_dictionary,
    datamart_tables,
    dictionary_markdown,
    export_bi_bundle,
    export_frames,
    export_tables,
    relationships,
    run_stamp,
)
from riskinsights_lib.bi.headline import headline_kpis, headline_table, kpi_headlines
from riskinsights_lib.bi.kpi_dictionary import (
    KPI_TABLE_DESCRIPTIONS,
    export_descriptions,
    kpi_descriptions,
)
from riskinsights_lib.bi.kpis import KPI_TABLES, compute_kpis
from riskinsights_lib.bi.kpis_credit import (
    default_rates,
    delinquency_buckets,
    roll_rate_matrix,
    roll_rates,
    vintage_curves,
)
from riskinsights_lib.bi.kpis_customer import (
    TENURE_BANDS,
    activity_trends,
    churn_by_segment_tenure,
    product_holding,
)
from riskinsights_lib.bi.kpis_portfolio import (
    accounts_by_product,
    balances_by_month,
    customers_by_segment,
    portfolio_by_segment_product,
    utilisation_by_month,
)
from riskinsights_lib.bi.kpis_transactions import (
    transactions_by_category,
    transactions_by_channel,
    transactions_by_country,
    transactions_by_month,
    transactions_by_weekday_hour,
)
from riskinsights_lib.bi.narrative import (
    credit_narrative,
    customer_narrative,
    export_narrative,
    portfolio_narrative,
    quality_narrative,
    transactions_narrative,
)
from riskinsights_lib.bi.quality import (
    check_summary,
    quality_totals,
    reconciliation,
    reject_counts,
)

__all__ = [
    "DPD_BUCKETS",
    "EXPORT_FORMATS",
    "KPI_TABLES",
    "KPI_TABLE_DESCRIPTIONS",
    "MANIFEST_NAME",
    "TENURE_BANDS",
    "accounts_by_product",
    "activity_trends",
    "balances_by_month",
    "check_summary",
    "churn_by_segment_tenure",
    "compute_kpis",
    "credit_narrative",
    "customer_narrative",
    "customers_by_segment",
    "data_dictionary",
    "datamart_tables",
    "default_rates",
    "delinquency_buckets",
    "dictionary_markdown",
    "ensure_views",
    "export_bi_bundle",
    "export_descriptions",
    "export_narrative",
    "export_frames",
    "export_tables",
    "headline_kpis",
    "headline_table",
    "kpi_descriptions",
    "kpi_headlines",
    "plot_accounts_by_product",
    "plot_activity",
    "plot_balances",
    "plot_channel_mix",
    "plot_churn",
    "plot_customers_by_segment",
    "plot_default_by_product",
    "plot_default_rates",
    "plot_delinquency",
    "plot_new_closed",
    "plot_product_holding",
    "plot_reconciliation",
    "plot_rejects",
    "plot_roll_rates",
    "plot_segment_product",
    "plot_top_categories",
    "plot_top_countries",
    "plot_transactions_by_month",
    "plot_utilisation",
    "plot_vintages",
    "plot_weekday_hour",
    "portfolio_by_segment_product",
    "portfolio_narrative",
    "product_holding",
    "quality_narrative",
    "quality_totals",
    "reconciliation",
    "reject_counts",
    "relationships",
    "roll_rate_matrix",
    "roll_rates",
    "run_stamp",
    "transactions_by_category",
    "transactions_by_channel",
    "transactions_by_country",
    "transactions_by_month",
    "transactions_by_weekday_hour",
    "transactions_narrative",
    "utilisation_by_month",
    "vintage_curves",
]
