"""Readings of the validation results, written from the numbers (never typed by hand)."""

from __future__ import annotations

import pandas as pd


def _p(value: float) -> str:
    """A p-value for text: three significant digits, or '< 0.0001'."""
    return "< 0.0001" if value < 1e-4 else f"= {value:.3g}"


__all__ = [
    "population_reading",
    "selection_reading",
    "scaling_reading",
    "challenger_reading",
    "discrimination_reading",
    "ceiling_reading",
    "calibration_reading",
    "drift_reading",
    "grades_reading",
    "stability_reading",
    "cutoff_reading",
    "sql_reading",
    "quality_bar",
]


def population_reading(summary: pd.DataFrame, *, dev: str, oot: str) -> str:
    """Rows and default rate of the development and out-of-time snapshots."""
    s = summary.assign(snapshot=summary["snapshot"].astype(str).str[:10]).set_index("snapshot")
    d, o = s.loc[dev], s.loc[oot]
    rel = o["default_rate"] / d["default_rate"] - 1
    return (
        f"Development snapshot {dev}: {int(d['n']):,} customers, {int(d['defaults']):,} defaults "
        f"({d['default_rate']:.2%}). Out-of-time snapshot {oot}: {int(o['n']):,} customers, "
        f"{int(o['defaults']):,} defaults ({o['default_rate']:.2%}), {abs(rel):.0%} "
        f"{'higher' if rel > 0 else 'lower'} than development: the macro-economic cycle of the "
        "simulated bank moves the default rate, so out-of-time calibration is tested against a "
        "different level, not the one the model was fitted on."
    )


def selection_reading(iv_table: pd.DataFrame) -> str:
    """How many candidates were kept, and why the others were dropped."""
    kept = iv_table[iv_table["kept"]]
    dropped = iv_table[~iv_table["kept"]]
    reasons = (
        dropped["reason"]
        .str.extract(r"^(low IV|correlated|coefficient|a single bin|not entered)")[0]
        .replace(
            {"not entered": "not entering the stepwise selection", "coefficient": "a reversed sign"}
        )
        .value_counts()
    )
    parts = [f"{n} for {r}" for r, n in reasons.items()]
    top = ", ".join(
        f"{f} ({v:.2f})" for f, v in kept.head(3)[["feature", "iv"]].itertuples(index=False)
    )
    leak = iv_table[iv_table["iv"] > 0.5]["feature"].tolist()
    text = (
        f"{len(kept)} of {len(iv_table)} candidate features enter the scorecard; "
        f"{len(dropped)} dropped ({', '.join(parts) if parts else 'none'}). Strongest: {top}."
    )
    if leak:
        text += (
            f" IV above 0.5 for {', '.join(leak)}: flagged for a leakage review. The mart builds features "
            "from history up to the snapshot and the label from the 12 months after it, so a strong IV here "
            "reflects a strong driver (e.g. recent arrears), not the label itself."
        )
    return text


def discrimination_reading(metrics: pd.DataFrame) -> str:
    """AUC, Gini and KS per sample; ``metrics`` indexed by sample with auc, auc_low, auc_high, gini, ks."""
    parts = [
        f"{name}: AUC {r.auc:.3f} (95% CI {r.auc_low:.3f}-{r.auc_high:.3f}), Gini {r.gini:.3f}, KS {r.ks:.3f}"
        for name, r in metrics.iterrows()
    ]
    names = list(metrics.index)
    drop = metrics.loc[names[0], "auc"] - metrics.loc[names[-1], "auc"]
    return "; ".join(parts) + (
        f". From {names[0]} to {names[-1]} the AUC {'falls' if drop > 0 else 'rises'} by {abs(drop):.3f}."
    )


def ceiling_reading(
    model_auc: float, oracle_auc: float, challenger_auc: float, *, bar: float = 0.95
) -> str:
    """The model's share of the oracle AUC, and what the challenger adds."""
    share = model_auc / oracle_auc
    verdict = "meets" if share >= bar else "misses"
    return (
        f"On the out-of-time customers the true default probability itself reaches AUC {oracle_auc:.3f}: "
        f"no model can be expected to rank these customers better. The scorecard reaches {model_auc:.3f}, "
        f"{share:.1%} of that ceiling ({verdict} the {bar:.0%} bar). The XGBoost challenger reaches "
        f"{challenger_auc:.3f} ({challenger_auc / oracle_auc:.1%} of the ceiling): "
        + (
            f"the linear scorecard leaves {challenger_auc - model_auc:.3f} AUC on the table."
            if challenger_auc > model_auc
            else f"the boosted trees add nothing over the scorecard ({challenger_auc - model_auc:+.3f})."
        )
    )


def calibration_reading(
    mean_pd: float, default_rate: float, hl_p: float, brier: float, *, tolerance: float = 0.2
) -> str:
    """Mean PD against the observed default rate, with the Hosmer-Lemeshow verdict."""
    rel = mean_pd / default_rate - 1
    verdict = "within" if abs(rel) <= tolerance else "outside"
    hl = "does not reject" if hl_p >= 0.05 else "rejects"
    return (
        f"Out of time the mean predicted PD is {mean_pd:.2%} against an observed default rate of "
        f"{default_rate:.2%} ({rel:+.0%} relative, {verdict} the ±{tolerance:.0%} bar). "
        f"Brier score {brier:.4f}. The Hosmer-Lemeshow test (p {_p(hl_p)}) {hl} calibration at 5%."
        + (
            " The model is fitted on the development default level; when the cycle moves the level, "
            "the PDs need a calibration to the long-run (or current) default rate before use in capital "
            "or pricing — the ranking (AUC) is unaffected."
            if abs(rel) > tolerance or hl_p < 0.05
            else ""
        )
    )


def grades_reading(table: pd.DataFrame) -> str:
    """Traffic lights, monotonicity and concentration of the master scale on one sample."""
    lights = table["traffic_light"].value_counts()
    mono = "rise monotonically" if table.attrs.get("monotone") else "do NOT rise monotonically"
    return (
        f"Observed default rates {mono} with the grade. Jeffreys test per grade: "
        f"{lights.get('green', 0)} green, {lights.get('amber', 0)} amber, {lights.get('red', 0)} red "
        f"(red = more defaults than the grade PD explains at 1%). Herfindahl index "
        f"{table.attrs['herfindahl']:.3f} (normalised {table.attrs['herfindahl_normalised']:.3f}; "
        "0 = evenly spread, 1 = all in one grade)."
    )


def stability_reading(series: pd.DataFrame, characteristics: pd.DataFrame) -> str:
    """Score PSI over the samples and the feature that moved most."""
    last = series.iloc[-1]
    top = characteristics.iloc[0]
    return (
        f"Score PSI out of time {last['psi']:.3f} ({last['status']}); largest over the snapshots "
        f"{series['psi'].max():.3f}. The characteristic that moved most is {top['feature']} "
        f"(PSI {top['psi']:.3f}, mean points {top['points_shift']:+.1f})."
    )


def cutoff_reading(policy: str, cutoff: float, matrix: pd.DataFrame) -> str:
    """The cut-off and its consequences on one sample."""
    m = matrix.to_numpy()
    n = m.sum()
    approved = m[:, 0].sum() / n
    caught = m[1, 1] / max(m[1].sum(), 1)
    lost = m[0, 1] / max(m[0].sum(), 1)
    return (
        f"Policy {policy}: decline when PD >= {cutoff:.2%} (chosen on the development test sample). "
        f"Out of time this approves {approved:.1%} of customers, declines {caught:.1%} of the "
        f"defaulters and {lost:.1%} of the non-defaulters."
    )


def sql_reading(max_gap: float, n_rows: int) -> str:
    """The SQL-vs-Python scoring check."""
    return (
        f"The exported SQL scored all {n_rows:,} out-of-time rows inside DuckDB; the largest difference "
        f"from the Python score is {max_gap:.2e} points (floating-point rounding only)."
    )


def quality_bar(
    oot_auc: float,
    oracle_auc: float | None,
    mean_pd: float,
    default_rate: float,
    *,
    auc_interval: tuple[float, float] | None = None,
    auc_share: float = 0.95,
    tolerance: float = 0.2,
) -> tuple[bool | None, bool, str]:
    """Check the two quality bars; returns ``(auc_ok, calibration_ok, markdown)``.

    With ``auc_interval`` (the bootstrap interval of ``oot_auc``) the text says
    whether the AUC bar lies inside it, i.e. whether the verdict is within noise.
    Without ground truth (``oracle_auc`` None) the discrimination bar cannot be
    judged: ``auc_ok`` is None and the text says why.
    """
    rel = mean_pd / default_rate - 1
    if oracle_auc is None:
        cal_ok = abs(rel) <= tolerance
        text = (
            f"- Discrimination: out-of-time AUC {oot_auc:.3f}; the bar ({auc_share:.0%} of the oracle "
            "AUC) needs ground truth, which these extracts do not carry: **not judged**.\n"
            f"- Calibration: mean PD {mean_pd:.2%} vs observed {default_rate:.2%}, {rel:+.1%} relative "
            f"(bar ±{tolerance:.0%}): **{'met' if cal_ok else 'missed'}**."
        )
        return None, cal_ok, text
    share = oot_auc / oracle_auc
    auc_ok, cal_ok = share >= auc_share, abs(rel) <= tolerance
    target = auc_share * oracle_auc
    noise = ""
    if auc_interval is not None:
        low, high = auc_interval
        inside = low <= target <= high
        noise = (
            f" The bar, AUC {target:.3f}, lies {'inside' if inside else 'outside'} the 95% bootstrap "
            f"interval of the out-of-time AUC ({low:.3f}-{high:.3f})"
            + (": the verdict is within sampling noise." if inside else ".")
        )
    text = (
        f"- Discrimination: out-of-time AUC {oot_auc:.3f} is {share:.1%} of the oracle AUC {oracle_auc:.3f} "
        f"(bar {auc_share:.0%}): **{'met' if auc_ok else 'missed'}**.{noise}\n"
        f"- Calibration: mean PD {mean_pd:.2%} vs observed {default_rate:.2%}, {rel:+.1%} relative "
        f"(bar ±{tolerance:.0%}): **{'met' if cal_ok else 'missed'}**."
    )
    return auc_ok, cal_ok, text


def scaling_reading(card, scores: pd.Series) -> str:
    """How to read the points, and the score range on a sample."""
    s = card.scaling
    return (
        f"A customer's score is the sum of the points of its {len(card.features)} characteristics. "
        f"{s.base_score:,.0f} points mean good:bad odds of {s.base_odds:g}:1 (PD {1 / (1 + s.base_odds):.2%}); "
        f"every {s.pdo:g} points double the odds. On this sample scores run from {scores.min():,.0f} "
        f"to {scores.max():,.0f} (median {scores.median():,.0f})."
    )


def challenger_reading(table: pd.DataFrame, importance: pd.Series) -> str:
    """Scorecard vs challenger AUC per sample; ``table`` has columns scorecard, challenger per sample."""
    parts = [f"{name}: {r.scorecard:.3f} vs {r.challenger:.3f}" for name, r in table.iterrows()]
    last = table.iloc[-1]
    gap = last["challenger"] - last["scorecard"]
    top = ", ".join(importance.head(3).index)
    return (
        "AUC scorecard vs XGBoost challenger — "
        + "; ".join(parts)
        + ". "
        + (
            f"Out of time the challenger is ahead by {gap:.3f}: non-linear structure the bins do not capture. "
            if gap > 0.005
            else "Out of time the linear scorecard keeps up with the challenger: little is left on the table. "
        )
        + f"The challenger relies most on {top}."
    )


def drift_reading(table: pd.DataFrame) -> str:
    """Observed rate against mean PD along the snapshots (rows of ``calibration_summary``)."""
    obs = " -> ".join(f"{v:.2%}" for v in table["observed_rate"])
    pred = " -> ".join(f"{v:.2%}" for v in table["mean_predicted"])
    share = _share_tracked(table)
    carried = "most" if share >= 0.5 else ("only part" if share > 0.1 else "almost none")
    return (
        f"Along the snapshots the observed default rate moves {obs} while the mean predicted PD moves "
        f"{pred}: the customer features carry {carried} of the change in the default level; the rest is "
        "a portfolio-wide (macro-economic) shift that the features at the snapshot do not show."
    )


def _share_tracked(table: pd.DataFrame) -> float:
    d_obs = table["observed_rate"].iloc[-1] - table["observed_rate"].iloc[0]
    d_pred = table["mean_predicted"].iloc[-1] - table["mean_predicted"].iloc[0]
    return float(d_pred / d_obs) if d_obs else 1.0
