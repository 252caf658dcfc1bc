"""Retention targeting: whom to call, and how many calls pay for themselves.

The business rule, stated once:

* a customer's **value** is the yearly income the bank would lose if they left:
  a margin on their average deposit balance plus a yearly income per product
  held (:func:`customer_value`);
* contacting a customer costs ``contact_cost``; a contacted customer who would
  have churned stays with probability ``save_rate``;
* the **expected benefit** of contacting customer *i* is
  ``p_i * save_rate * value_i - contact_cost``, and the expected net benefit of
  contacting the top *k* is the sum of that over the *k* highest-ranked
  customers;
* customers are ranked by **expected loss** ``p_i * value_i`` (churn
  probability x value); the best *k* maximises the cumulative net benefit
  (``k = 0``, calling nobody, is allowed and worth 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["customer_value", "targeting_table", "best_k"]


def customer_value(
    df: pd.DataFrame,
    *,
    balance_col: str,
    products_col: str,
    balance_margin: float = 0.02,
    income_per_product: float = 60.0,
) -> pd.Series:
    """Yearly value of a customer to the bank from balances and product holding.

    ``value = balance_margin * max(balance, 0) + income_per_product * n_products``
    (missing balances and product counts count as zero).

    Parameters
    ----------
    df : one row per customer.
    balance_col : average deposit balance column (currency units).
    products_col : number of products held.
    balance_margin : yearly net interest margin earned on deposits (0.02 = 2%).
    income_per_product : yearly fee and cross-sell income per product held.

    Examples
    --------
    >>> d = pd.DataFrame({"bal": [10_000.0, None], "prod": [2, 1]})
    >>> customer_value(d, balance_col="bal", products_col="prod").tolist()
    [320.0, 60.0]
    """
    for name, col in (("balance_col", balance_col), ("products_col", products_col)):
        if col not in df.columns:
            raise ValueError(f"{name}: column {col!r} not found in df")
    if balance_margin < 0 or income_per_product < 0:
        raise ValueError("balance_margin, income_per_product: expected non-negative numbers")
    balance = pd.to_numeric(df[balance_col]).astype(float).fillna(0.0).clip(lower=0.0)
    products = pd.to_numeric(df[products_col]).astype(float).fillna(0.0).clip(lower=0.0)
    return (balance_margin * balance + income_per_product * products).rename("customer_value")


def targeting_table(
    customer_id,
    churn_probability,
    value,
    *,
    save_rate: float,
    contact_cost: float,
    y_true=None,
) -> pd.DataFrame:
    """Customers ranked by expected loss with the expected net benefit of contacting the top k.

    Parameters
    ----------
    customer_id : pseudonymous ids.
    churn_probability : model probability of churn.
    value : customer value (see :func:`customer_value`).
    save_rate : share of contacted would-be churners who stay.
    contact_cost : cost of one contact.
    y_true : optional observed churn (0/1); adds
        ``observed_churn``, ``realised_benefit`` and ``cum_realised_benefit``, what the campaign would have earned in hindsight.

    Returns
    -------
    DataFrame with ``rank`` (1 = call first), ``customer_id``,
    ``churn_probability``, ``customer_value``, ``expected_loss``,
    ``expected_benefit`` and ``cum_net_benefit`` (= net benefit of contacting
    ranks 1..rank).
    """
    if not 0 <= save_rate <= 1:
        raise ValueError(f"save_rate: expected a share in [0, 1], got {save_rate}")
    if contact_cost < 0:
        raise ValueError(f"contact_cost: expected a non-negative cost, got {contact_cost}")
    ids = np.asarray(customer_id)
    p = np.asarray(churn_probability, dtype=float)
    v = np.asarray(value, dtype=float)
    if not len(ids) == len(p) == len(v):
        raise ValueError("churn_probability, value: expected one value per customer_id")
    if np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise ValueError("churn_probability: expected probabilities in [0, 1] without gaps")
    if np.isnan(v).any():
        raise ValueError("value: expected no missing values")
    table = pd.DataFrame({"customer_id": ids, "churn_probability": p, "customer_value": v})
    table["expected_loss"] = p * v
    table["expected_benefit"] = p * save_rate * v - contact_cost
    if y_true is not None:
        y = np.asarray(y_true, dtype=float)
        if len(y) != len(ids):
            raise ValueError("y_true: expected one value per customer_id")
        table["observed_churn"] = y
        table["realised_benefit"] = y * save_rate * v - contact_cost
    table = table.sort_values("expected_loss", ascending=False, kind="stable").reset_index(
        drop=True
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["cum_net_benefit"] = table["expected_benefit"].cumsum()
    if y_true is not None:
        table["cum_realised_benefit"] = table["realised_benefit"].cumsum()
    return table


def best_k(table: pd.DataFrame, column: str = "cum_net_benefit") -> tuple[int, float]:
    """The number of top-ranked customers to contact that maximises ``column``, and that maximum.

    ``k = 0`` (contact nobody, benefit 0) wins when every prefix loses money.
    """
    if column not in table.columns:
        raise ValueError(f"column: {column!r} not found in table")
    values = np.r_[0.0, table[column].to_numpy(dtype=float)]
    k = int(np.argmax(values))
    return k, float(values[k])
