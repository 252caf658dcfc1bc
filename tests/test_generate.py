"""The synthetic bank at CI scale: determinism, rates, truth, anomalies, dirty rows, labels."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from riskinsights_lib.generate import generate_bank
from riskinsights_lib.generate.anomalies import SPIKE_CAP
from riskinsights_lib.generate.reference import MCC_TABLE
from riskinsights_lib.params import load_params

ROOT = Path(__file__).resolve().parents[1]
CI = load_params(ROOT / "params" / "ci.yaml")
END = pd.Timestamp(CI.run.end_date)
SNAPSHOTS = [str(s) for s in CI.run.snapshots]
CUSTOMER_INITIATED = ["card_present", "card_online", "atm", "transfer"]


def _generate(out: Path, **overrides):
    args = {
        "n_customers": CI.run.n_customers,
        "start_date": CI.run.start_date,
        "n_months": CI.run.n_months,
        "snapshots": SNAPSHOTS,
        "seed": CI.run.seed,
        "progress": False,
    } | CI.section("generate_data")
    return generate_bank(out, **(args | overrides))


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    out = tmp_path_factory.mktemp("bank")
    return out, _generate(out)


def _raw(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "raw" / f"{name}.csv", dtype=str, keep_default_na=False)


@functools.lru_cache(maxsize=2)
def _read_transactions(out: str) -> pd.DataFrame:
    parts = sorted((Path(out) / "raw" / "transactions").glob("part-*.csv"))
    frames = []
    for part in parts:
        frame = pd.read_csv(part, dtype=str, keep_default_na=False)
        frame["file"] = f"raw/transactions/{part.name}"
        frame["row_number"] = np.arange(1, len(frame) + 1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _transactions(out: Path) -> pd.DataFrame:
    return _read_transactions(str(out)).copy()


def test_same_seed_gives_identical_files(bank, tmp_path):
    out, _ = bank
    again = tmp_path / "again"
    _generate(again)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), f"{rel} differs"


def test_files_do_not_depend_on_the_number_of_worker_threads(tmp_path):
    small = {"n_customers": 300, "truth_paths": 10, "chunk_customers": 70}
    one, two = tmp_path / "one", tmp_path / "two"
    _generate(one, workers=1, **small)
    summary = _generate(two, workers=2, **small)
    assert len(list((two / "raw" / "transactions").glob("part-*.csv"))) == 5  # 300 / 70 parts
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), f"{rel} differs"
    ids = pd.concat(
        pd.read_csv(p, usecols=["transaction_id"], dtype=str)
        for p in sorted((two / "raw" / "transactions").glob("part-*.csv"))
    )["transaction_id"]
    expected = {f"T{i:011d}" for i in range(1, summary.n_transactions + 1)}
    assert expected <= set(ids)  # parts numbered in order, no gap, whatever thread made them


def test_a_different_seed_gives_a_different_bank(bank, tmp_path):
    out, _ = bank
    other = tmp_path / "other"
    _generate(other, n_customers=300, truth_paths=10, seed=CI.run.seed + 1)
    assert (other / "raw" / "customers.csv").read_bytes() != (
        out / "raw" / "customers.csv"
    ).read_bytes()


def test_rates_and_oracle_aucs_are_in_the_target_ranges(bank):
    _, summary = bank
    # targets at default scale: default 2-6 %, churn 8-15 %, oracle AUC 0.80-0.90 / 0.75-0.90;
    # widened for 3,000 customers (about 70 defaults and 250 churners per snapshot)
    assert 0.02 <= summary.default_rate <= 0.08
    assert 0.06 <= summary.churn_rate <= 0.16
    assert 0.78 <= summary.oracle_auc_default <= 0.95
    assert 0.72 <= summary.oracle_auc_churn <= 0.92
    assert summary.n_transactions / (summary.n_customers * CI.run.n_months) == pytest.approx(
        CI.generate_data.tx_per_customer_month, rel=0.25
    )
    # the macro downturn makes the out-of-time snapshot a little worse, not a different world
    # (on the true probabilities: realised rates of ~70 defaults are too noisy to order)
    first, last = summary.snapshots[0], summary.snapshots[-1]
    assert first["mean_true_pd"] < last["mean_true_pd"] < 1.5 * first["mean_true_pd"]


def test_truth_probabilities_are_valid_and_consistent_with_outcomes(bank):
    out, summary = bank
    for name, prob, label, event in [
        ("default_truth", "true_pd_12m", "default_12m", "default_event_month"),
        ("churn_truth", "true_churn_6m", "churn_6m", "churn_event_month"),
    ]:
        truth = pd.read_csv(out / "truth" / f"{name}.csv")
        assert truth[prob].between(0, 1).all()
        assert not truth.duplicated(["customer_id", "snapshot_date"]).any()
        assert sorted(truth["snapshot_date"].unique()) == SNAPSHOTS
        first = truth[truth["snapshot_date"] == SNAPSHOTS[0]]
        assert roc_auc_score(first[label], first[prob]) > 0.7
        # calibrated: mean true probability close to the realised rate
        assert first[prob].mean() == pytest.approx(first[label].mean(), rel=0.3)
        assert truth.loc[truth[label] == 1, event].notna().all()
    oracle = json.loads((out / "truth" / "oracle.json").read_text())
    assert oracle["oracle_auc_default"] == pytest.approx(summary.oracle_auc_default)
    assert len(oracle["monthly"]) == CI.run.n_months


def test_default_labels_follow_from_the_raw_balances(bank):
    """The contract's default_12m, computed from raw balances, equals the truth's realised label."""
    out, _ = bank
    dirty = pd.read_csv(out / "truth" / "dirty_rows.csv")
    acc = _raw(out, "accounts")
    acc["row_number"] = np.arange(1, len(acc) + 1)
    acc = acc[~acc["row_number"].isin(dirty.loc[dirty["source"] == "accounts", "row_number"])]
    bal = _raw(out, "balances")
    bal["row_number"] = np.arange(1, len(bal) + 1)
    bal = bal[~bal["row_number"].isin(dirty.loc[dirty["source"] == "balances", "row_number"])]
    bal = bal.merge(
        acc[["account_id", "customer_id", "product_type", "open_date", "close_date"]],
        on="account_id",
    )
    bal = bal[bal["product_type"].isin(["credit_card", "personal_loan", "mortgage"])]
    bal["month_end"] = pd.to_datetime(bal["month_end"])
    bal["dpd"] = bal["days_past_due"].astype(int)
    truth = pd.read_csv(out / "truth" / "default_truth.csv")
    for snap in SNAPSHOTS:
        s = pd.Timestamp(snap)
        credit = acc[acc["product_type"].isin(["credit_card", "personal_loan", "mortgage"])]
        open_at_s = credit[
            (pd.to_datetime(credit["open_date"]) <= s)
            & (
                (credit["close_date"] == "")
                | (pd.to_datetime(credit["close_date"].replace("", None)) > s)
            )
        ]
        in_default = bal[(bal["month_end"] == s) & (bal["dpd"] >= 90)]["customer_id"]
        population = set(open_at_s["customer_id"]) - set(in_default)
        window = bal[
            (bal["month_end"] > s)
            & (bal["month_end"] <= s + pd.offsets.MonthEnd(12))
            & (bal["dpd"] >= 90)
        ]
        defaulters = set(window["customer_id"])
        t = truth[truth["snapshot_date"] == snap]
        assert set(t["customer_id"]) == population
        assert set(t.loc[t["default_12m"] == 1, "customer_id"]) == population & defaulters


def test_churn_labels_follow_from_the_raw_accounts_and_transactions(bank):
    out, _ = bank
    dirty = pd.read_csv(out / "truth" / "dirty_rows.csv")
    acc = _raw(out, "accounts")
    acc["row_number"] = np.arange(1, len(acc) + 1)
    acc = acc[~acc["row_number"].isin(dirty.loc[dirty["source"] == "accounts", "row_number"])]
    tx = _transactions(out)
    bad = dirty[dirty["source"] == "transactions"]
    tx = tx[
        ~tx.set_index(["file", "row_number"]).index.isin(
            bad.set_index(["file", "row_number"]).index
        )
    ]
    tx = tx[(tx["direction"] == "D") & tx["channel"].isin(CUSTOMER_INITIATED)].merge(
        acc[["account_id", "customer_id"]], on="account_id"
    )
    tx["ts"] = pd.to_datetime(tx["ts"])
    cust = _raw(out, "customers")
    onboarded = dict(
        zip(
            cust["customer_id"],
            pd.to_datetime(cust["onboarding_date"], errors="coerce"),
            strict=False,
        )
    )
    open_d = pd.to_datetime(acc["open_date"])
    close_d = pd.to_datetime(acc["close_date"].replace("", None))
    truth = pd.read_csv(out / "truth" / "churn_truth.csv")
    for snap in SNAPSHOTS:
        s = pd.Timestamp(snap)
        open_at_s = set(acc.loc[(open_d <= s) & (close_d.isna() | (close_d > s)), "customer_id"])
        recent = set(
            tx.loc[
                (tx["ts"] > s - pd.offsets.MonthEnd(3) + pd.Timedelta(days=1))
                & (tx["ts"] < s + pd.Timedelta(days=1)),
                "customer_id",
            ]
        )
        population = {c for c in open_at_s & recent if onboarded[c] <= s}
        h = s + pd.offsets.MonthEnd(6)
        all_closed = set(acc["customer_id"]) - set(
            acc.loc[close_d.isna() | (close_d > h), "customer_id"]
        )
        late = set(
            tx.loc[
                (tx["ts"] > s + pd.offsets.MonthEnd(3) + pd.Timedelta(days=1))
                & (tx["ts"] < h + pd.Timedelta(days=1)),
                "customer_id",
            ]
        )
        churners = population & (all_closed | (population - late))
        t = truth[truth["snapshot_date"] == snap]
        assert set(t["customer_id"]) == population
        assert set(t.loc[t["churn_6m"] == 1, "customer_id"]) == churners


def _flag(frame: pd.DataFrame, checks: list[tuple[str, pd.Series]], key: list[str]) -> pd.Series:
    """The first failing check per row, then duplicate keys among the rows that passed."""
    reason = pd.Series("", index=frame.index)
    for name, failed in checks:
        reason = reason.mask((reason == "") & failed.fillna(False).astype(bool), name)
    ok = reason == ""
    dup = frame[ok].duplicated(key, keep="first")
    reason[dup[dup].index] = "duplicate_id"
    return reason


def _bad_number(col: pd.Series) -> pd.Series:
    return (col != "") & pd.to_numeric(col, errors="coerce").isna()


def _bad_date(col: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    return (col != "") & pd.to_datetime(col, format=fmt, errors="coerce").isna()


def _after_end(col: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    return pd.to_datetime(col, format=fmt, errors="coerce") > END + pd.Timedelta(
        hours=23, minutes=59, seconds=59
    )


def test_dirty_rows_are_exactly_the_listed_ones(bank):
    """An independent mini-quarantine finds the listed rows, with the listed defect, and nothing else."""
    out, _ = bank
    listed = pd.read_csv(
        out / "truth" / "dirty_rows.csv", dtype={"record_key": str}, keep_default_na=False
    )
    cust, attr, acc, bal = (
        _raw(out, n) for n in ("customers", "customer_attributes", "accounts", "balances")
    )
    tx = _transactions(out)
    customer_ids, account_ids = set(cust["customer_id"]) - {""}, set(acc["account_id"]) - {""}
    found = {
        "customers": _flag(
            cust,
            [
                ("missing_key", cust["customer_id"] == ""),
                ("unparseable_value", _bad_date(cust["birth_date"])),
                ("future_date", _after_end(cust["onboarding_date"])),
            ],
            ["customer_id"],
        ),
        "customer_attributes": _flag(
            attr,
            [
                ("missing_key", attr["customer_id"] == ""),
                ("unparseable_value", _bad_number(attr["annual_income"])),
                ("orphan_foreign_key", ~attr["customer_id"].isin(customer_ids)),
                ("out_of_range", pd.to_numeric(attr["annual_income"], errors="coerce") < 0),
                ("future_date", _after_end(attr["effective_from"])),
            ],
            ["customer_id", "effective_from"],
        ),
        "accounts": _flag(
            acc,
            [
                ("missing_key", acc["account_id"] == ""),
                ("unparseable_value", _bad_date(acc["open_date"])),
                ("orphan_foreign_key", ~acc["customer_id"].isin(customer_ids)),
                ("out_of_range", pd.to_numeric(acc["credit_limit"], errors="coerce") < 0),
                ("future_date", _after_end(acc["open_date"])),
            ],
            ["account_id"],
        ),
        "balances": _flag(
            bal,
            [
                ("missing_key", bal["account_id"] == ""),
                ("unparseable_value", _bad_number(bal["balance"])),
                ("orphan_foreign_key", ~bal["account_id"].isin(account_ids)),
                ("out_of_range", pd.to_numeric(bal["days_past_due"]) < 0),
                ("future_date", _after_end(bal["month_end"])),
            ],
            ["account_id", "month_end"],
        ),
    }
    rows = []
    for source, reason in found.items():
        hit = reason[reason != ""]
        rows += [(source, int(i) + 1, r) for i, r in hit.items()]
    tx_reason = _flag(
        tx,
        [
            ("missing_key", tx["transaction_id"] == ""),
            ("unparseable_value", _bad_number(tx["amount"])),
            ("orphan_foreign_key", ~tx["account_id"].isin(account_ids)),
            ("out_of_range", pd.to_numeric(tx["amount"], errors="coerce") <= 0),
            ("future_date", _after_end(tx["ts"], "%Y-%m-%d %H:%M:%S")),
        ],
        ["transaction_id"],
    )
    hit = tx_reason[tx_reason != ""]
    rows += [("transactions", int(tx.loc[i, "row_number"]), r) for i, r in hit.items()]
    expected = sorted(
        (s, int(n), d)
        for s, n, d in listed[["source", "row_number", "defect"]].itertuples(index=False)
    )
    assert sorted(rows) == expected
    # every defect kind is exercised, and only a small share of rows is dirty
    assert set(listed["defect"]) == {
        "missing_key",
        "unparseable_value",
        "orphan_foreign_key",
        "out_of_range",
        "future_date",
        "duplicate_id",
    }
    assert len(listed) < 0.01 * (len(cust) + len(attr) + len(acc) + len(bal) + len(tx))


def test_planted_anomalies_exist_and_look_like_their_type(bank):
    out, summary = bank
    anomalies = pd.read_csv(out / "truth" / "anomalies.csv")
    tx = _transactions(out).drop_duplicates("transaction_id")
    assert anomalies["transaction_id"].is_unique
    assert set(anomalies["anomaly_type"]) == {
        "amount_spike",
        "cnp_burst",
        "new_country",
        "night_atm",
    }
    assert summary.anomaly_rate == pytest.approx(CI.generate_data.anomaly_rate, rel=0.2)
    rows = anomalies.merge(tx, on="transaction_id", how="left")
    assert rows["account_id"].notna().all(), "every labelled anomaly is a written transaction"
    night = rows[rows["anomaly_type"] == "night_atm"]
    assert (night["channel"] == "atm").all()
    assert pd.to_datetime(night["ts"]).dt.hour.between(1, 3).all()
    assert (rows.loc[rows["anomaly_type"] == "cnp_burst", "channel"] == "card_online").all()
    new = rows[rows["anomaly_type"] == "new_country"]
    assert (new["merchant_country"] != "IE").all()
    # first-ever: no earlier transaction of the customer in that country
    acc = _raw(out, "accounts")[["account_id", "customer_id"]]
    tx = tx.merge(acc, on="account_id")
    new = new.merge(acc, on="account_id")
    for row in new.itertuples():
        same = tx[
            (tx["customer_id"] == row.customer_id)
            & (tx["merchant_country"] == row.merchant_country)
        ]
        assert same["ts"].min() == row.ts


def test_amount_spikes_are_multiples_of_the_customers_usual_amount_for_the_category(bank):
    """Spikes are >= 3x the customer's usual amount for the category, mostly >= 5x.

    The usual amount is estimated from the customer's non-anomalous card history:
    the median of ``amount / category median`` over all their card payments (a
    personal scale, pooled so it rests on dozens of payments) times the
    category's reference median. Estimation noise is a few per cent, hence 2.5x
    as the hard floor and a 95% share at 3x.
    """
    out, _ = bank
    anomalies = pd.read_csv(out / "truth" / "anomalies.csv")
    acc = _raw(out, "accounts")[["account_id", "customer_id"]]
    tx = _transactions(out).drop_duplicates("transaction_id").merge(acc, on="account_id")
    tx["amount"] = pd.to_numeric(tx["amount"], errors="coerce")
    ref = MCC_TABLE.set_index(MCC_TABLE["mcc"].astype(str))["median_amount"]
    card = tx[tx["channel"].isin(["card_present", "card_online"])]
    normal = card[~card["transaction_id"].isin(anomalies["transaction_id"])]
    scale = (normal["amount"] / normal["mcc"].map(ref)).groupby(normal["customer_id"]).median()
    spike_ids = anomalies.loc[anomalies["anomaly_type"] == "amount_spike", "transaction_id"]
    spikes = card[card["transaction_id"].isin(spike_ids)].dropna(subset=["amount"])
    assert len(spikes) > 100
    usual = spikes["mcc"].map(ref).to_numpy() * scale.reindex(spikes["customer_id"]).to_numpy()
    ratio = spikes["amount"].to_numpy() / usual
    ratio = ratio[np.isfinite(ratio)]
    assert len(ratio) > 0.9 * len(spikes)
    assert ratio.min() >= 2.5
    assert (ratio >= 3).mean() >= 0.95
    assert np.median(ratio) >= 8, "most spikes are clearly unusual"
    assert 0.05 <= ((ratio >= 3) & (ratio < 5)).mean() <= 0.35, "a minority is moderate"
    assert ratio.max() <= 45
    assert (spikes["amount"] <= SPIKE_CAP).all()


def test_no_transaction_outside_its_account_life(bank):
    out, _ = bank
    dirty = pd.read_csv(out / "truth" / "dirty_rows.csv")
    tx = _transactions(out)
    bad = dirty[dirty["source"] == "transactions"]
    tx = tx[
        ~tx.set_index(["file", "row_number"]).index.isin(
            bad.set_index(["file", "row_number"]).index
        )
    ]
    acc = _raw(out, "accounts").drop_duplicates("account_id")
    rows = tx.merge(acc[["account_id", "open_date", "close_date"]], on="account_id", how="left")
    assert rows["open_date"].notna().all()
    day = pd.to_datetime(rows["ts"]).dt.normalize()
    assert (day >= pd.to_datetime(rows["open_date"])).all()
    close = pd.to_datetime(rows["close_date"].replace("", None))
    assert (close.isna() | (day <= close)).all()


def test_no_personal_data_in_the_truth_files(bank):
    out, _ = bank
    cust = _raw(out, "customers")
    text = "".join(p.read_text() for p in (out / "truth").glob("*"))
    for col in ("email", "national_id", "phone"):
        assert not any(v in text for v in cust[col].head(200) if v)
    dirty = pd.read_csv(out / "truth" / "dirty_rows.csv")
    rows = np.arange(1, len(cust) + 1)
    genuine = cust[~np.isin(rows, dirty.loc[dirty["source"] == "customers", "row_number"])]
    for col in ("email", "national_id", "phone"):
        assert genuine[col].is_unique, f"{col} is unique by construction"


def test_parquet_option_writes_typed_files(tmp_path):
    import pyarrow.parquet as pq

    summary = _generate(tmp_path, n_customers=400, truth_paths=10, file_format="parquet")
    raw = tmp_path / "raw"
    for name in (
        "customers",
        "customer_attributes",
        "accounts",
        "balances",
        "mcc",
        "countries",
        "postcodes",
    ):
        assert pq.read_table(raw / f"{name}.parquet").num_rows == summary.rows[name]
    tx = pq.read_table(sorted((raw / "transactions").glob("part-*.parquet")))
    assert tx.num_rows == summary.rows["transactions"]
    assert str(tx.schema.field("amount").type) == "double"
    dirty = pd.read_csv(tmp_path / "truth" / "dirty_rows.csv")
    assert "unparseable_value" not in set(dirty["defect"])
    assert not list(raw.glob("*.csv"))


def test_profile_and_plot_helpers_summarise_without_personal_data(bank):
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    from riskinsights_lib.generate import plots, profile

    out, summary = bank
    raw = out / "raw"
    segments = profile.segment_counts(raw, "csv")
    holding = profile.product_holding(raw, "csv")
    assert segments.sum() == summary.n_customers
    assert set(segments.index) <= {"mass", "affluent", "private", "small_business"}
    assert 0.5 <= holding["any credit product"] <= 0.7
    assert holding["current_account"] > 0.9
    balances = profile.balance_by_product(raw, "csv", summary.monthly[-1]["month_end"])
    assert set(balances.columns) == {"product_type", "balance", "utilisation"}
    by_hour = profile.transactions_by_hour(raw, "csv")
    by_day = profile.transactions_by_day(raw, "csv")
    assert (
        by_hour["transactions"].sum()
        == by_day["transactions"].sum()
        > 0.99 * summary.n_transactions
    )
    truth = pd.read_csv(out / "truth" / "default_truth.csv")
    table = profile.truth_calibration(truth, "true_pd_12m", "default_12m")
    assert len(table) == 10 and table["realised_rate"].iloc[-1] > table["realised_rate"].iloc[0]
    with pytest.raises(ValueError, match="nope"):
        profile.truth_calibration(truth, "nope", "default_12m")
    for text in (
        profile.describe_generation(summary),
        profile.describe_holding(segments, holding),
        profile.describe_balances(balances),
        profile.describe_transactions(by_hour, by_day),
        profile.describe_oracle(summary),
        profile.describe_planted(*profile.planted_counts(out / "truth"), summary),
    ):
        assert "@" not in text and "nan" not in text
    axes = [
        plots.plot_counts(segments, title="t", xlabel="x"),
        plots.plot_shares(holding, title="t"),
        plots.plot_balances(balances),
        plots.plot_events_vs_macro(profile.monthly_table(summary)),
        plots.plot_transactions_by(by_hour, "hour", title="t", xlabel="x"),
        plots.plot_truth_calibration(table, what="default"),
    ]
    assert all(isinstance(ax, Axes) for ax in axes)
    plt.close("all")
