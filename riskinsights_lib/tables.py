"""Tables for people: the house style of every table a report shows.

:func:`show_table` turns a DataFrame into a styled table with named columns in
words, units in the headers (EUR, s), no meaningless 0..N index, percentages as
percentages, money and counts with thousands separators, scores rounded as a
scorecard prints them, and "–" for values that do not apply (with a note under
the table). Column kinds are inferred from the column names and dtypes; pass
``percent=``, ``money=``... to override. The HTML report wraps long text and
lets wide tables scroll (:mod:`riskinsights_lib.report`).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"segment": ["mass"], "reject_rate": [0.0123], "total_balance": [83537877.29]})
>>> styled = show_table(df)
>>> [c for c in styled.data.columns]
['Segment', 'Reject rate', 'Total balance (EUR)']
>>> "1.23%" in styled.to_html() and "83,537,877" in styled.to_html()
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

__all__ = [
    "NA",
    "show_table",
    "tidy_classification_report",
    "column_kind",
    "column_label",
    "format_value",
    "humanise",
]

#: How a value that does not apply is shown.
NA = "–"

_WORDS = {
    "auc": "AUC",
    "roc": "ROC",
    "ks": "KS",
    "psi": "PSI",
    "iv": "IV",
    "woe": "WoE",
    "pd": "PD",
    "dpd": "DPD",
    "id": "ID",
    "vif": "VIF",
    "oot": "out-of-time",
    "pr": "PR",
    "hl": "HL",
    "eur": "EUR",
    "atm": "ATM",
    "lof": "LOF",
    "ecod": "ECOD",
    "bic": "BIC",
    "scd": "SCD",
    "cnp": "CNP",
    "xgb": "XGBoost",
    "iforest": "Isolation Forest",
    "shap": "SHAP",
    "sql": "SQL",
    "mb": "MB",
    "pct": "%",
    "pp": "pp",
    "bi": "BI",
    "etl": "ETL",
    "kpi": "KPI",
    "kpis": "KPIs",
    "dq": "data-quality",
    "n": "number of",
    "avg": "average",
    "cum": "cumulative",
    "dev": "development",
    "tx": "transaction",
    "p": "p",
    "ci": "CI",
    "90plus": "90+",
    "hosmer": "Hosmer-Lemeshow",
    "lemeshow": "",
    "f1": "F1",
}

_PERCENT = re.compile(
    r"(rate|share|recall|precision|pct|percent|utili[sz]ation|capture|_ratio_pct|accuracy|"
    r"probability|mean_predicted|relative_gap|_dr)($|_)|(^|_)pd($|_)"
)
_MONEY = re.compile(
    r"(^|_)(amount|balance|balances|eur|benefit|net_benefit|customer_value|loss|income|deposits|"
    r"loans|limit|exposure|spend|cost)($|_)"
)
#: scorecard scores and points (an anomaly score or a probability is a plain number: ``number=``)
_SCORE = re.compile(
    r"^(score|points|mean_score|score_min|score_max|mean_points_reference|mean_points_actual|"
    r"points_shift|python_score)$"
)
_SECONDS = re.compile(r"(^|_)(seconds|secs)$")
_NOT_PERCENT = re.compile(r"(rows_per_s|per_s|rate_ratio|_count$)")


def humanise(name: str) -> str:
    """``"oot_auc_ci_low"`` -> ``"Out-of-time AUC CI low"``: a column or figure name in words."""
    if not re.fullmatch(r"[a-z0-9_\-]+", str(name)):  # already words ("At 2024-12-31")
        return str(name)[:1].upper() + str(name)[1:]
    words = [w for w in str(name).replace("-", "_").split("_") if w]
    if words == ["n"]:
        return "Count"
    if len(words) > 1 and words[0] == "n":
        words = words[1:]
    text = " ".join(t for t in (_WORDS.get(w.lower(), w) for w in words) if t)
    return text[:1].upper() + text[1:] if text else str(name)


def column_kind(name: str, series: pd.Series | None = None) -> str:
    """The display kind of a column: percent, money, score, seconds, count, number or text."""
    key = str(name).lower()
    numeric = series is None or pd.api.types.is_numeric_dtype(series)
    if series is not None and pd.api.types.is_bool_dtype(series):
        return "text"
    if not numeric:
        return "text"
    if _SECONDS.search(key):
        return "seconds"
    if _PERCENT.search(key) and not _NOT_PERCENT.search(key):
        return "percent"
    if _MONEY.search(key):
        return "money"
    if _SCORE.search(key):
        return "score"
    if series is not None and pd.api.types.is_integer_dtype(series):
        return "count"
    if series is not None and _integral(series):
        return "count"
    return "number"


def _integral(series: pd.Series) -> bool:
    values = pd.to_numeric(series, errors="coerce").dropna()
    return bool(len(values)) and bool((values == values.round()).all()) and values.abs().max() >= 10


def column_label(name: str, kind: str) -> str:
    """The header of a column: its name in words with the unit (EUR, s) where it has one."""
    label = humanise(name)
    if kind == "money" and "EUR" not in label:
        return f"{label} (EUR)"
    if kind == "seconds":
        return label if "(s)" in label else f"{label} (s)"
    return label


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, kind: str, *, digits: int = 3) -> str:
    """One value as the house style shows it (``NA`` for missing values)."""
    if _missing(value):
        return NA
    if isinstance(value, pd.Timestamp):  # a day without a time reads as a date
        return value.strftime("%Y-%m-%d" if value == value.normalize() else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool) or kind == "text":
        return "yes" if value is True else "no" if value is False else str(value)
    if not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return str(value)
    x = float(value)
    if not math.isfinite(x):
        return NA
    if kind == "percent":
        return f"{x:.1%}" if abs(x) >= 0.1 else f"{x:.2%}"
    if kind == "money":
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"
    if kind in ("score", "count"):
        return f"{x:,.0f}"
    if kind == "seconds":
        return f"{x:,.1f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def _as_set(names: Iterable[str] | None) -> set[str]:
    return set(names or ())


def show_table(
    df: pd.DataFrame | pd.Series,
    *,
    percent: Iterable[str] | None = None,
    money: Iterable[str] | None = None,
    score: Iterable[str] | None = None,
    count: Iterable[str] | None = None,
    number: Iterable[str] | None = None,
    text: Iterable[str] | None = None,
    digits: int | Mapping[str, int] = 3,
    labels: Mapping[str, str] | None = None,
    fill: Mapping[str, str] | None = None,
    index: bool | None = None,
    na_note: str | None = "not applicable",
    caption: str | None = None,
    max_rows: int | None = None,
) -> Styler:
    """``df`` styled for a report: words for headers, units, formatted numbers, no 0..N index.

    Parameters
    ----------
    df : the table (a Series becomes a one-column table).
    percent, money, score, count, number, text : columns of that kind (overrides the
        inference from names and dtypes, see :func:`column_kind`); ``number`` keeps
        ``digits`` decimals (e.g. an anomaly score in [0, 1], not scorecard points).
    digits : decimals of plain numbers, one for all or per column.
    labels : header per column where the name in words is not enough.
    fill : text per column for its missing values where they mean something specific
        (e.g. ``{"anomaly_type": "none (normal)"}``).
    index : keep the index as the first column(s); default: only when it is not 0..N.
    na_note : the note under the table when "–" appears (None: no note).
    caption : a note under the table.
    max_rows : show only the first rows (the note says how many of how many).
    """
    frame = df.to_frame() if isinstance(df, pd.Series) else df.copy()
    keep_index = index if index is not None else not isinstance(frame.index, pd.RangeIndex)
    frame = frame.reset_index() if keep_index else frame.reset_index(drop=True)
    frame.columns = [
        " · ".join(str(p) for p in c if str(p)) if isinstance(c, tuple) else str(c)
        for c in frame.columns
    ]
    if fill:
        frame = frame.fillna({k: v for k, v in fill.items() if k in frame.columns})
    notes = [caption] if caption else []
    if max_rows is not None and len(frame) > max_rows:
        notes.append(f"First {max_rows:,} of {len(frame):,} rows.")
        frame = frame.head(max_rows)
    forced = {
        **{c: "percent" for c in _as_set(percent)},
        **{c: "money" for c in _as_set(money)},
        **{c: "score" for c in _as_set(score)},
        **{c: "count" for c in _as_set(count)},
        **{c: "number" for c in _as_set(number)},
        **{c: "text" for c in _as_set(text)},
    }
    kinds = {c: forced.get(c) or column_kind(c, frame[c]) for c in frame.columns}
    names = {c: (labels or {}).get(c) or column_label(c, kinds[c]) for c in frame.columns}

    def formatter(column: str):
        places = digits.get(column, 3) if isinstance(digits, Mapping) else digits
        if kinds[column] == "money":  # one precision per column: cents unless amounts are large
            largest = pd.to_numeric(frame[column], errors="coerce").abs().max()
            cents = 2 if pd.notna(largest) and largest < 1e5 else 0
            return lambda v: NA if _missing(v) else f"{float(v):,.{cents}f}"
        return lambda v: format_value(v, kinds[column], digits=places)

    has_na = bool(frame.isna().to_numpy().any())
    styled = frame.style.format({c: formatter(c) for c in frame.columns}).hide(axis="index")
    styled = styled.relabel_index([names[c] for c in frame.columns], axis="columns")
    text_columns = [c for c in frame.columns if kinds[c] == "text"]
    if text_columns:
        styled = styled.set_properties(subset=text_columns, **{"text-align": "left"})
        positions = [list(frame.columns).index(c) for c in text_columns]
        styled = styled.set_table_styles(
            [{"selector": f"th.col{i}", "props": "text-align: left"} for i in positions],
            overwrite=False,
        )
        long_text = [c for c in text_columns if frame[c].astype(str).str.len().max() > 40]
        styled = styled.set_td_classes(  # long text wraps at a readable width (report CSS)
            pd.DataFrame(
                {c: ["ri-text" if c in long_text else ""] * len(frame) for c in frame.columns},
                index=frame.index,
            )
        )
    if has_na and na_note:
        notes.append(f"{NA} = {na_note}.")
    if notes:
        styled = styled.set_caption(" ".join(notes))
    return styled


def tidy_classification_report(report: pd.DataFrame) -> pd.DataFrame:
    """scikit-learn's classification report as a table: accuracy in the f1-score column only.

    ``pd.DataFrame(classification_report(..., output_dict=True)).T`` repeats the accuracy
    in every column, support included; here precision and recall do not apply to it
    (shown as "–") and its support is the number of rows.
    """
    table = report.copy()
    if "accuracy" in table.index:
        total = table.loc[[i for i in table.index if i.endswith("avg")], "support"].max()
        table.loc["accuracy", ["precision", "recall"]] = float("nan")
        table.loc["accuracy", "support"] = total
    table["support"] = table["support"].round().astype("Int64")
    return table.rename_axis("class")
