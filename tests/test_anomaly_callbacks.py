"""The explorer's callback logic as plain functions: budgets, counts, filters, drill-down."""

import pandas as pd
import pytest

from riskinsights_lib.anomaly import (
    budget_curve,
    budget_from_contamination,
    customer_timeline,
    filter_transactions,
    flag_summary,
    flagged_customers,
    threshold_for_budget,
)
from riskinsights_lib.anomaly.explorer import build_explorer, summary_html


@pytest.fixture()
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transaction_id": [f"t{i}" for i in range(8)],
            "customer_id": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "ts": pd.date_range("2024-01-01", periods=8, freq="6h"),
            "amount": [10.0, 500.0, 20.0, 25.0, 30.0, 35.0, 40.0, 900.0],
            "score": [0.40, 0.90, 0.50, 0.45, 0.80, 0.30, 0.35, 0.70],
            "anomaly_type": [
                None,
                "amount_spike",
                None,
                None,
                "night_atm",
                None,
                "new_country",
                None,
            ],
            "channel": [
                "atm",
                "card_online",
                "atm",
                "atm",
                "atm",
                "card_present",
                "card_present",
                "atm",
            ],
            "merchant_country": ["IE", "IE", "IE", "FR", "IE", "IE", "BR", "IE"],
        }
    )


def test_budget_and_threshold(frame):
    assert budget_from_contamination(10_000, 0.005) == 50
    assert budget_from_contamination(10, 0.001) == 1
    assert threshold_for_budget(frame["score"], 3) == 0.70
    assert threshold_for_budget(frame["score"], 100) == 0.30
    with pytest.raises(ValueError, match="budget"):
        threshold_for_budget(frame["score"], 0)
    with pytest.raises(ValueError, match="contamination"):
        budget_from_contamination(10, 1.5)


def test_threshold_to_counts_precision_recall(frame):
    thr = threshold_for_budget(frame["score"], 3)  # flags 0.9, 0.8, 0.7
    s = flag_summary(frame["score"], frame["anomaly_type"], thr)
    assert s["flagged"] == 3 and s["anomalies"] == 3 and s["true_positives"] == 2
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
    no_truth = flag_summary(frame["score"], None, thr)
    assert "precision" not in no_truth and no_truth["flagged"] == 3
    curve = budget_curve(frame["score"], frame["anomaly_type"], [1, 3, 8])
    assert curve["recall"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert curve["precision"].tolist() == pytest.approx([1.0, 2 / 3, 3 / 8])


def test_filters(frame):
    assert len(filter_transactions(frame)) == 8
    assert len(filter_transactions(frame, channels=["All"])) == 8
    atm = filter_transactions(frame, channels="atm")
    assert set(atm["channel"]) == {"atm"} and len(atm) == 5
    both = filter_transactions(frame, channels=["atm"], countries=["IE"])
    assert len(both) == 4
    normal = filter_transactions(frame, anomaly_types=["normal"])
    assert normal["anomaly_type"].isna().all() and len(normal) == 5
    typed = filter_transactions(frame, anomaly_types=["night_atm", "new_country"])
    assert sorted(typed["transaction_id"]) == ["t4", "t6"]
    with pytest.raises(KeyError, match="region"):
        filter_transactions(frame, countries=["IE"], country_col="region")


def test_customer_drill_down(frame):
    thr = threshold_for_budget(frame["score"], 3)
    assert flagged_customers(frame, thr) == ["a", "c", "d"]
    tl = customer_timeline(frame, "a", thr)
    assert tl["transaction_id"].tolist() == ["t0", "t1"]
    assert tl["flagged"].tolist() == [False, True]
    with pytest.raises(KeyError, match="customer_id"):
        customer_timeline(frame, "zzz", thr)


def test_explorer_builds_and_reacts(frame):
    box = build_explorer(frame, budget=3)
    slider, counts, customer = box.children[0], box.children[2], box.children[3]
    assert "<b>3</b> of 8" in counts.value
    slider.value = 1
    assert "<b>1</b> of 8" in counts.value and list(customer.options) == ["a"]
    text = summary_html({"rows": 8, "threshold": 0.5, "flagged": 2}, 2, 8)
    assert "25.000%" in text


def test_breakdown_is_the_filter_applied_per_value(frame):
    from riskinsights_lib.anomaly import breakdown_at_threshold

    thr = threshold_for_budget(frame["score"], 3)
    table = breakdown_at_threshold(frame, thr, "channel").set_index("channel")
    atm = flag_summary(
        filter_transactions(frame, channels="atm")["score"],
        filter_transactions(frame, channels="atm")["anomaly_type"],
        thr,
    )
    assert table.loc["atm", "flagged"] == atm["flagged"] == 2
    assert table.loc["atm", "precision"] == pytest.approx(atm["precision"])
    assert table["transactions"].sum() == len(frame)
    with pytest.raises(KeyError, match="by"):
        breakdown_at_threshold(frame, thr, "nope")
