"""Each BI KPI query against an independent pandas computation on a small datamart.

Runs on the hand-built minimart and, once the ETL's session fixture
``tiny_run`` exists, on the datamart of a tiny generated bank too. Counts and
rates must agree exactly; money sums to 1e-9 relative (summation order).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_bi_minimart import build_minimart

from riskinsights_lib import bi

BUCKETS = ["current", "1-29", "30-59", "60-89", "90+"]
#: Channels of a customer-initiated (direction D) transaction, per docs/data_contract.md.
CUSTOMER_INITIATED = ["card_present", "card_online", "atm", "transfer"]


@pytest.fixture(scope="module", params=["minimart", "tiny_run"])
def con(request):
    if request.param == "minimart":
        c = duckdb.connect()
        build_minimart(c)
    else:
        try:
            run = request.getfixturevalue("tiny_run")
        except pytest.FixtureLookupError:
            pytest.skip("the tiny_run fixture (tests/conftest.py) is not available")
        c = duckdb.connect(str(run.datamart), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def ref(con) -> dict[str, pd.DataFrame]:
    """The datamart tables as pandas frames, joined the obvious way (no BI code)."""
    t = {
        n: con.table(n).df()
        for n in ["dim_account", "dim_product", "dim_customer", "fact_account_month"]
    }
    acc = t["dim_account"].query("account_key != -1")[
        ["account_key", "account_id", "customer_id", "product_key", "open_date", "close_date"]
    ]
    prod = t["dim_product"][["product_key", "product_type", "is_credit"]]
    acc = acc.merge(prod, on="product_key")
    acc["family"] = np.where(acc["is_credit"].astype(bool), "credit", "deposit")
    for c in ("open_date", "close_date"):
        acc[c] = pd.to_datetime(acc[c])
    cust = t["dim_customer"].query("customer_key != -1")
    am = t["fact_account_month"][
        ["account_key", "customer_key", "month_end", "balance", "credit_limit", "days_past_due"]
    ]
    am = am.merge(acc, on="account_key").merge(
        cust[["customer_key", "segment"]], on="customer_key", how="left"
    )
    am["month_end"] = pd.to_datetime(am["month_end"])
    am["segment"] = am["segment"].fillna("unknown")
    am["is_open"] = (am["open_date"] <= am["month_end"]) & (
        am["close_date"].isna() | (am["close_date"] > am["month_end"])
    )
    am["bucket"] = pd.cut(
        am["days_past_due"], [-np.inf, 0, 29, 59, 89, np.inf], labels=BUCKETS
    ).astype(str)
    tx = con.sql(
        """SELECT f.*, ch.channel, mc.category_group, g.country_code
           FROM fact_transaction f
           LEFT JOIN dim_channel ch USING (channel_key)
           LEFT JOIN dim_merchant_category mc USING (mcc_key)
           LEFT JOIN dim_geography g USING (geography_key)"""
    ).df()
    tx = tx.merge(acc[["account_key", "customer_id"]], on="account_key", how="left")
    tx["ts"] = pd.to_datetime(tx["ts"])
    tx["month"] = tx["ts"].dt.to_period("M").dt.start_time
    tx["value"] = tx["amount"].abs()
    tx["customer_initiated"] = (tx["direction"] == "D") & tx["channel"].isin(CUSTOMER_INITIATED)
    return {"acc": acc, "cust": cust, "am": am, "tx": tx, "churn": con.table("mart_churn").df()}


def _check(
    actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], *, money: tuple[str, ...] = ()
) -> None:
    """Same key set; every other column equal (money columns to 1e-9 relative)."""
    a = actual.copy()
    e = expected.copy()
    for df in (a, e):
        for k in keys:
            if pd.api.types.is_datetime64_any_dtype(df[k]) or k.endswith(
                ("month_end", "month", "date")
            ):
                df[k] = pd.to_datetime(df[k])
            elif not pd.api.types.is_numeric_dtype(df[k]):
                df[k] = df[k].astype(str)
    m = a.merge(e, on=keys, how="outer", suffixes=("_bi", "_pd"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
    assert len(a) == len(e)
    for col in e.columns.difference(keys):
        x, y = m[f"{col}_bi"].astype(float).to_numpy(), m[f"{col}_pd"].astype(float).to_numpy()
        if col in money:
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-6, err_msg=col)
        else:
            np.testing.assert_array_equal(x, y, err_msg=col)


def test_customers_by_segment(con, ref):
    am = ref["am"][ref["am"]["is_open"]]
    exp = (
        am.groupby(["month_end", "segment"])["customer_id"]
        .nunique()
        .rename("n_customers")
        .reset_index()
    )
    _check(bi.customers_by_segment(con), exp, ["month_end", "segment"])


def test_accounts_by_product(con, ref):
    am, acc = ref["am"], ref["acc"]
    months = sorted(am["month_end"].unique())
    grid = pd.MultiIndex.from_product(
        [months, sorted(acc["product_type"].unique())], names=["month_end", "product_type"]
    )
    op = am[am["is_open"]].groupby(["month_end", "product_type"])
    exp = (
        pd.DataFrame(
            {
                "n_accounts": op.size(),
                "balance": op["balance"].sum(),
                "credit_limit": op["credit_limit"].sum(),
            }
        )
        .reindex(grid)
        .fillna(0)
    )
    for col, date in (("n_new", "open_date"), ("n_closed", "close_date")):
        me = acc[date] + pd.offsets.MonthEnd(0)
        exp[col] = (
            acc.assign(month_end=me)
            .groupby(["month_end", "product_type"])
            .size()
            .reindex(grid)
            .fillna(0)
        )
    out = bi.accounts_by_product(con)
    _check(
        out.drop(columns="product_family"),
        exp.reset_index(),
        ["month_end", "product_type"],
        money=("balance", "credit_limit"),
    )


def test_balances_and_utilisation(con, ref):
    am = ref["am"][ref["am"]["is_open"]]
    g = am.groupby(["month_end", "family"])["balance"].agg(["sum", "size"]).unstack("family")
    exp = pd.DataFrame(
        {
            "deposit_balance": g[("sum", "deposit")],
            "loan_balance": g[("sum", "credit")],
            "n_deposit_accounts": g[("size", "deposit")],
            "n_credit_accounts": g[("size", "credit")],
        }
    ).reset_index()
    _check(bi.balances_by_month(con), exp, ["month_end"], money=("deposit_balance", "loan_balance"))
    cards = am[(am["family"] == "credit") & (am["credit_limit"] > 0)].assign(
        r=lambda d: d["balance"] / d["credit_limit"]
    )
    u = cards.groupby(["month_end", "product_type"]).agg(
        n_accounts=("r", "size"),
        total_balance=("balance", "sum"),
        total_limit=("credit_limit", "sum"),
        mean_utilisation=("r", "mean"),
        share_over_90pct=("r", lambda s: (s >= 0.9).mean()),
    )
    u["utilisation"] = u["total_balance"] / u["total_limit"]
    _check(
        bi.utilisation_by_month(con),
        u.reset_index(),
        ["month_end", "product_type"],
        money=("total_balance", "total_limit", "utilisation", "mean_utilisation"),
    )


def test_portfolio_by_segment_product(con, ref):
    am = ref["am"][ref["am"]["is_open"]]
    exp = (
        am.groupby(["month_end", "segment", "product_type"])
        .agg(
            n_customers=("customer_id", "nunique"),
            n_accounts=("account_id", "size"),
            balance=("balance", "sum"),
        )
        .reset_index()
    )
    out = bi.portfolio_by_segment_product(con)
    _check(
        out.drop(columns="product_family"),
        exp,
        ["month_end", "segment", "product_type"],
        money=("balance",),
    )
    per_month = out.groupby("month_end")["n_accounts"].sum()
    assert (per_month.to_numpy() == am.groupby("month_end").size().sort_index().to_numpy()).all()


def test_transactions_by_month_channel_weekday(con, ref):
    tx = ref["tx"]
    exp = tx.groupby(["month", "direction"]).agg(
        n_transactions=("value", "size"),
        value=("value", "sum"),
        n_customers=("customer_id", "nunique"),
    )
    _check(
        bi.transactions_by_month(con), exp.reset_index(), ["month", "direction"], money=("value",)
    )
    exp = (
        tx.assign(channel=tx["channel"].fillna("unknown"))
        .groupby(["month", "channel"])
        .agg(n_transactions=("value", "size"), value=("value", "sum"))
    )
    _check(
        bi.transactions_by_channel(con), exp.reset_index(), ["month", "channel"], money=("value",)
    )
    ci = tx[tx["customer_initiated"]]
    wh = ci.assign(weekday=ci["ts"].dt.dayofweek + 1, hour=ci["ts"].dt.hour)
    exp = wh.groupby(["weekday", "hour"]).agg(
        n_transactions=("value", "size"), value=("value", "sum")
    )
    out = bi.transactions_by_weekday_hour(con)
    _check(out, exp.reset_index(), ["weekday", "hour"], money=("value",))
    assert out["n_transactions"].sum() == len(ci) < len(tx)


@pytest.mark.parametrize("top_n", [1, 3, 50])
def test_top_categories_and_countries(con, ref, top_n):
    tx = ref["tx"]
    for func, mask, col, order in (
        (bi.transactions_by_category, tx["mcc_key"] != -1, "category_group", "value"),
        (bi.transactions_by_country, tx["geography_key"] != -1, "country_code", "n_transactions"),
    ):
        g = tx[mask].groupby(col).agg(n_transactions=("value", "size"), value=("value", "sum"))
        g = (
            g.reset_index()
            .sort_values([order, col], ascending=[False, True])
            .reset_index(drop=True)
        )
        g["rank"] = np.arange(1, len(g) + 1)
        g[col] = np.where(g["rank"] <= top_n, g[col], "other")
        exp = g.groupby(col).agg(
            n_transactions=("n_transactions", "sum"), value=("value", "sum"), rank=("rank", "min")
        )
        out = func(con, top_n=top_n)
        share = "share_value" if order == "value" else "share_transactions"
        assert out[share].sum() == pytest.approx(1.0)
        assert len(out) == min(top_n + 1, len(g)) if len(g) > top_n else len(out) == len(g)
        _check(out.drop(columns=share), exp.reset_index(), [col], money=("value",))


def test_delinquency_buckets_add_up_to_active_credit_accounts(con, ref):
    am = ref["am"]
    open_credit = am[am["is_open"] & (am["family"] == "credit")]
    exp = open_credit.groupby(["month_end", "bucket"]).agg(
        n_accounts=("balance", "size"), balance=("balance", "sum")
    )
    out = bi.delinquency_buckets(con)
    _check(
        out.drop(columns="share_accounts").rename(columns={"dpd_bucket": "bucket"}),
        exp.reset_index(),
        ["month_end", "bucket"],
        money=("balance",),
    )
    per_month = out.groupby("month_end")["n_accounts"].sum()
    active = open_credit.groupby("month_end")["account_id"].nunique()
    pd.testing.assert_series_equal(
        per_month.sort_index(), active.sort_index(), check_names=False, check_index_type=False
    )
    np.testing.assert_allclose(out.groupby("month_end")["share_accounts"].sum(), 1.0)


def test_roll_rates(con, ref):
    am = ref["am"]
    cur = am[am["is_open"] & (am["family"] == "credit")][["account_id", "month_end", "bucket"]]
    last = am["month_end"].max()
    nxt = cur.assign(month_end=cur["month_end"] - pd.offsets.MonthEnd(1)).rename(
        columns={"bucket": "to_bucket"}
    )
    pairs = cur[cur["month_end"] < last].merge(nxt, on=["account_id", "month_end"], how="left")
    pairs["to_bucket"] = pairs["to_bucket"].fillna("closed")
    exp = pairs.groupby(["bucket", "to_bucket"]).size().rename("n_accounts").reset_index()
    exp["rate"] = exp["n_accounts"] / exp.groupby("bucket")["n_accounts"].transform("sum")
    out = bi.roll_rates(con)
    _check(
        out,
        exp.rename(columns={"bucket": "from_bucket"}),
        ["from_bucket", "to_bucket"],
        money=("rate",),
    )
    matrix = bi.roll_rate_matrix(out)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    assert list(matrix.index) == [b for b in BUCKETS if b in set(out["from_bucket"])]
    counts = bi.roll_rate_matrix(out, value="n_accounts")
    assert counts.to_numpy().sum() == len(pairs)


def test_vintage_curves(con, ref):
    am, acc = ref["am"], ref["acc"]
    first, last = am["month_end"].min(), am["month_end"].max()
    credit = acc[
        (acc["family"] == "credit")
        & (acc["open_date"] > first - pd.offsets.MonthEnd(1))
        & (acc["open_date"] <= last)
    ].copy()
    credit["vintage"] = (
        credit["open_date"].dt.year.astype(str) + "Q" + credit["open_date"].dt.quarter.astype(str)
    )
    dflt = (
        am[am["days_past_due"] >= 90].groupby("account_id")["month_end"].min().rename("default_me")
    )
    credit = credit.merge(dflt, on="account_id", how="left")

    credit["mob"] = (credit["default_me"].dt.year - credit["open_date"].dt.year) * 12 + (
        credit["default_me"].dt.month - credit["open_date"].dt.month
    )
    rows = []
    for v, g in credit.groupby("vintage"):
        newest = g["open_date"].max()
        max_mob = (last.year - newest.year) * 12 + (last.month - newest.month)
        for m in range(max_mob + 1):
            rows.append(
                {
                    "vintage": v,
                    "months_on_book": m,
                    "n_accounts": len(g),
                    "n_defaulted": int((g["mob"] <= m).sum()),
                    "cum_default_rate": (g["mob"] <= m).sum() / len(g),
                }
            )
    out = bi.vintage_curves(con)
    _check(out, pd.DataFrame(rows), ["vintage", "months_on_book"])
    for _, curve in out.sort_values("months_on_book").groupby("vintage"):
        assert curve["cum_default_rate"].is_monotonic_increasing
        assert curve["months_on_book"].tolist() == list(range(len(curve)))


@pytest.mark.parametrize("by", [("segment",), ("product_type",), ("segment", "product_type"), ()])
def test_default_rates(con, ref, by):
    am = ref["am"]
    credit = am[am["family"] == "credit"]
    last = am["month_end"].max()
    cohort = credit[
        credit["is_open"]
        & (credit["days_past_due"] < 90)
        & (credit["month_end"] + pd.offsets.MonthEnd(12) <= last)
    ]
    pairs = cohort[["account_id", "month_end"]].merge(
        credit[["account_id", "month_end", "days_past_due"]], on="account_id", suffixes=("", "_o")
    )
    window = (pairs["month_end_o"] > pairs["month_end"]) & (
        pairs["month_end_o"] <= pairs["month_end"] + pd.offsets.MonthEnd(12)
    )
    hit = pairs[window & (pairs["days_past_due"] >= 90)][["account_id", "month_end"]]
    hit = hit.drop_duplicates().assign(d=1)
    d = cohort.merge(hit, on=["account_id", "month_end"], how="left").fillna({"d": 0})
    d = d.rename(columns={"month_end": "cohort_month_end"})
    exp = (
        d.groupby(["cohort_month_end", *by])
        .agg(n_accounts=("d", "size"), n_defaults=("d", "sum"))
        .reset_index()
    )
    exp["default_rate"] = exp["n_defaults"] / exp["n_accounts"]
    out = bi.default_rates(con, by=by)
    assert list(out.columns) == [
        "cohort_month_end",
        *by,
        "n_accounts",
        "n_defaults",
        "default_rate",
    ]
    _check(out, exp, ["cohort_month_end", *by])


def test_churn_by_segment_tenure(con, ref):
    ch = ref["churn"][["customer_id", "snapshot_date", "churn_6m"]].copy()
    ch["snapshot_date"] = pd.to_datetime(ch["snapshot_date"])
    cust = ref["cust"][
        ["customer_id", "segment", "onboarding_date", "valid_from", "valid_to"]
    ].copy()
    for c in ("onboarding_date", "valid_from"):
        cust[c] = pd.to_datetime(cust[c])
    cust["valid_to"] = pd.to_datetime(
        cust["valid_to"].astype(str).str.replace("9999-12-31", "2262-01-01")
    )
    m = ch.merge(cust, on="customer_id", how="left")
    m = m[(m["snapshot_date"] >= m["valid_from"]) & (m["snapshot_date"] <= m["valid_to"])]
    assert len(m) == len(ch)
    tenure = (m["snapshot_date"].dt.year - m["onboarding_date"].dt.year) * 12 + (
        m["snapshot_date"].dt.month - m["onboarding_date"].dt.month
    )
    m["tenure_band"] = pd.cut(
        tenure, [-np.inf, 11, 35, 59, 119, np.inf], labels=["<1y", "1-3y", "3-5y", "5-10y", "10y+"]
    ).astype(str)
    exp = (
        m.groupby(["snapshot_date", "segment", "tenure_band"])
        .agg(n_customers=("churn_6m", "size"), n_churned=("churn_6m", "sum"))
        .reset_index()
    )
    exp["churn_rate"] = exp["n_churned"] / exp["n_customers"]
    out = bi.churn_by_segment_tenure(con)
    _check(out, exp, ["snapshot_date", "segment", "tenure_band"])
    assert out["n_customers"].sum() == len(ch)


def test_product_holding_and_activity(con, ref):
    am = ref["am"][ref["am"]["is_open"]]
    held = am.groupby(["month_end", "customer_id"]).agg(
        segment=("segment", "first"), n_products=("product_type", "nunique")
    )
    exp = (
        held.groupby(["month_end", "segment", "n_products"])
        .size()
        .rename("n_customers")
        .reset_index()
    )
    _check(bi.product_holding(con), exp, ["month_end", "segment", "n_products"])

    holders = am[["month_end", "customer_id"]].drop_duplicates()
    tx = (
        ref["tx"][ref["tx"]["customer_initiated"]]
        .dropna(subset=["customer_id"])
        .assign(month_end=lambda d: d["month"] + pd.offsets.MonthEnd(0))
    )
    per = (
        tx.groupby(["month_end", "customer_id"])
        .agg(n=("value", "size"), v=("value", "sum"))
        .reset_index()
    )
    j = holders.merge(per, on=["month_end", "customer_id"], how="left")
    a = j.groupby("month_end").agg(
        n_customers=("customer_id", "size"),
        n_transacting=("n", "count"),
        n_tx=("n", "sum"),
        v=("v", "sum"),
    )
    a["active_share"] = a["n_transacting"] / a["n_customers"]
    a["tx_per_active"] = a["n_tx"] / a["n_transacting"]
    a["value_per_active"] = a["v"] / a["n_transacting"]
    sets = holders.groupby("month_end")["customer_id"].apply(set).sort_index()
    lost = [np.nan] + [len(sets.iloc[i - 1] - sets.iloc[i]) for i in range(1, len(sets))]
    gained = [np.nan] + [len(sets.iloc[i] - sets.iloc[i - 1]) for i in range(1, len(sets))]
    a["n_gained"] = pd.Series(gained, index=sets.index)
    a["n_lost"] = pd.Series(lost, index=sets.index)
    a["attrition_rate"] = a["n_lost"] / a["n_customers"].shift(1)
    out = bi.activity_trends(con)
    _check(
        out,
        a.drop(columns=["n_tx", "v"]).reset_index(),
        ["month_end"],
        money=("tx_per_active", "value_per_active"),
    )


def test_quality_tables(con):
    recon = bi.reconciliation(con)
    raw = con.table("etl_reconciliation").df()
    assert recon["raw_rows"].sum() == raw["raw_rows"].sum()
    assert (
        recon["unexplained_rows"] == raw["raw_rows"] - raw["loaded_rows"] - raw["rejected_rows"]
    ).all()
    rejects = bi.reject_counts(con)
    assert (
        rejects["n_rows"].sum() == con.execute("SELECT count(*) FROM etl_reject").fetchall()[0][0]
    )
    checks = bi.check_summary(con)
    stored = con.table("etl_check").df()
    assert checks["n_checks"].sum() == len(stored)
    assert checks["n_failed"].sum() == (~stored["passed"].astype(bool)).sum()
    totals = bi.quality_totals(recon, checks)
    assert totals["dq_rejected_rows"] == raw["rejected_rows"].sum()


def test_headline_matches_kpi_tables(con, ref):
    h = bi.headline_kpis(con)
    am = ref["am"]
    last = am[am["is_open"] & (am["month_end"] == am["month_end"].max())]
    assert h["n_active_customers"] == last["customer_id"].nunique()
    assert h["total_loans"] == pytest.approx(last.loc[last["family"] == "credit", "balance"].sum())
    credit = last[last["family"] == "credit"]
    assert h["share_90plus_latest"] == (credit["bucket"] == "90+").sum() / len(credit)
    assert h["n_transactions"] == len(ref["tx"])


def test_argument_checks(con):
    with pytest.raises(ValueError, match="top_n"):
        bi.transactions_by_category(con, top_n=0)
    with pytest.raises(ValueError, match="by"):
        bi.default_rates(con, by=("region",))
    with pytest.raises(ValueError, match="horizon_months"):
        bi.default_rates(con, horizon_months=0)
    with pytest.raises(TypeError, match="con"):
        bi.delinquency_buckets("not a connection")
