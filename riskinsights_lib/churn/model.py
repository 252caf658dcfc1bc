"""The churn model: XGBoost on any binary target with named feature columns.

Bring your own data: :func:`fit_churn_model` takes a DataFrame, a target column
and a list of feature columns, numeric and categorical (text) alike, with
missing values. Nothing here knows the synthetic bank's column names.

Preprocessing is deliberately small and stored with the model:

* numeric features are cast to float; missing values stay ``NaN`` and XGBoost
  learns a default direction for them at every split;
* categorical features use XGBoost's native categorical splits; the category
  list seen in training is stored, and at scoring time an unseen category is
  treated like a missing value.

Early stopping watches the log loss on a validation set; the saved booster is
trimmed to the best iteration, so predictions, SHAP values and the saved file
all describe the same trees.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.model_selection import train_test_split

from riskinsights_lib.leakage import LeakageReport, check_leakage

__all__ = [
    "Preprocessing",
    "ChurnModel",
    "fit_churn_model",
    "split_development",
    "infer_categorical",
    "check_binary_target",
]

logger = logging.getLogger(__name__)

_MANY_CATEGORIES = 100


def check_binary_target(df: pd.DataFrame, target: str) -> np.ndarray:
    """Return ``df[target]`` as a 0/1 integer array; raise if it is missing or not binary."""
    if target not in df.columns:
        raise ValueError(f"target: column {target!r} not found in df")
    y = df[target]
    if y.isna().any():
        raise ValueError(f"target: column {target!r} has {int(y.isna().sum())} missing values")
    values = set(pd.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"target: expected 0/1 values in {target!r}, got {sorted(values)[:5]}")
    return y.astype(int).to_numpy()


def infer_categorical(df: pd.DataFrame, features: list[str]) -> list[str]:
    """Features to treat as categorical: text, category and object columns (booleans are numeric)."""
    cats = []
    for col in features:
        dtype = df[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            continue
        if pd.api.types.is_datetime64_any_dtype(dtype):
            raise ValueError(
                f"features: {col!r} is a date/time column; derive a numeric feature (e.g. an age in days)"
            )
        cats.append(col)
    return cats


def _check_features(df: pd.DataFrame, features: list[str], target: str | None = None) -> list[str]:
    if isinstance(features, str) or not len(features):
        raise ValueError("features: expected a non-empty list of column names")
    features = list(features)
    if len(set(features)) != len(features):
        raise ValueError("features: duplicate column names")
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise ValueError(f"features: columns not found in df: {missing[:5]}")
    if target is not None and target in features:
        raise ValueError(f"features: the target {target!r} cannot be a feature")
    return features


@dataclass
class Preprocessing:
    """How raw columns become the model matrix (stored as JSON next to the model).

    Attributes
    ----------
    features : model feature columns, in order.
    categories : for each categorical feature, the categories seen in training.
    """

    features: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def fit(
        cls, df: pd.DataFrame, features: list[str], categorical: list[str] | None = None
    ) -> Preprocessing:
        """Learn the feature list and the category lists from training rows."""
        features = _check_features(df, features)
        cat_cols = infer_categorical(df, features) if categorical is None else list(categorical)
        unknown = [c for c in cat_cols if c not in features]
        if unknown:
            raise ValueError(f"categorical: not among the features: {unknown[:5]}")
        categories = {}
        for col in cat_cols:
            values = df[col].dropna().astype(str)
            cats = sorted(values.unique().tolist())
            if len(cats) > _MANY_CATEGORIES:
                logger.warning("categorical feature %r has %d categories", col, len(cats))
            categories[col] = cats
        return cls(features=features, categories=categories)

    @property
    def categorical(self) -> list[str]:
        """Categorical features, in feature order."""
        return [c for c in self.features if c in self.categories]

    @property
    def numeric(self) -> list[str]:
        """Numeric features, in feature order."""
        return [c for c in self.features if c not in self.categories]

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Model matrix: floats with ``NaN`` and pandas categoricals with the training categories."""
        _check_features(df, self.features)
        out = {}
        for col in self.features:
            s = df[col]
            if col in self.categories:
                text = s.astype(object).where(s.notna(), None)
                text = text.map(lambda v: v if v is None else str(v))
                cats = pd.Index(self.categories[col], dtype=object)
                out[col] = pd.Categorical(text.to_numpy(dtype=object), categories=cats)
                unseen = int(text.notna().sum() - pd.notna(out[col]).sum())
                if unseen:
                    logger.info("%s: %d values of unseen categories scored as missing", col, unseen)
            else:
                try:
                    num = pd.to_numeric(s)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"df: numeric feature {col!r} holds non-numeric values"
                    ) from None
                out[col] = (
                    pd.Series(num, index=df.index)
                    .astype("Float64")
                    .to_numpy(dtype=float, na_value=np.nan)
                )
        return pd.DataFrame(out, index=df.index)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {"features": self.features, "numeric": self.numeric, "categories": self.categories}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        """Inverse of :meth:`to_dict`."""
        return cls(features=list(data["features"]), categories=dict(data.get("categories", {})))


@dataclass
class ChurnModel:
    """A fitted XGBoost churn model with its preprocessing.

    Use :func:`fit_churn_model` to build one and :meth:`load` to read one back.
    """

    booster: xgb.Booster
    preprocessing: Preprocessing
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    best_iteration: int = 0
    eval_history: list[float] = field(default_factory=list)
    n_train: int = 0
    n_validation: int = 0
    leakage: LeakageReport | None = None

    @property
    def features(self) -> list[str]:
        """Feature columns the model reads."""
        return list(self.preprocessing.features)

    def matrix(self, df: pd.DataFrame) -> pd.DataFrame:
        """The preprocessed model matrix of ``df`` (what XGBoost and SHAP see)."""
        return self.preprocessing.transform(df)

    def _dmatrix(self, df: pd.DataFrame) -> xgb.DMatrix:
        return xgb.DMatrix(self.matrix(df), enable_categorical=True)

    def predict_margin(self, df: pd.DataFrame) -> np.ndarray:
        """Raw model output (log-odds of churn) per row."""
        return self.booster.predict(self._dmatrix(df), output_margin=True)

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """Class probabilities as in scikit-learn: shape ``(n, 2)``, column 1 is churn."""
        p = self.booster.predict(self._dmatrix(df)).astype(float)
        return np.column_stack([1.0 - p, p])

    def churn_probability(self, df: pd.DataFrame) -> pd.Series:
        """Probability of churn per row, indexed like ``df``."""
        return pd.Series(self.predict_proba(df)[:, 1], index=df.index, name="churn_probability")

    def save(self, folder: str | os.PathLike) -> Path:
        """Write ``model.json`` (XGBoost), ``features.json``, ``preprocessing.json``, ``metadata.json``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(folder / "model.json")
        _write_json(folder / "features.json", {"target": self.target, "features": self.features})
        _write_json(folder / "preprocessing.json", self.preprocessing.to_dict())
        meta = {
            "params": self.params,
            "best_iteration": self.best_iteration,
            "eval_history": self.eval_history,
            "n_train": self.n_train,
            "n_validation": self.n_validation,
            "xgboost_version": xgb.__version__,
        }
        _write_json(folder / "metadata.json", meta)
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> ChurnModel:
        """Read a model written by :meth:`save`; it scores identically."""
        folder = Path(folder)
        if not (folder / "model.json").is_file():
            raise FileNotFoundError(f"folder: no model.json in {folder}")
        booster = xgb.Booster()
        booster.load_model(folder / "model.json")
        feats = json.loads((folder / "features.json").read_text(encoding="utf-8"))
        prep = Preprocessing.from_dict(
            json.loads((folder / "preprocessing.json").read_text(encoding="utf-8"))
        )
        if prep.features != feats["features"]:
            raise ValueError(f"folder: features.json and preprocessing.json disagree in {folder}")
        meta_path = folder / "metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        return cls(
            booster=booster,
            preprocessing=prep,
            target=feats["target"],
            params=meta.get("params", {}),
            best_iteration=meta.get("best_iteration", 0),
            eval_history=meta.get("eval_history", []),
            n_train=meta.get("n_train", 0),
            n_validation=meta.get("n_validation", 0),
        )


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def split_development(
    df: pd.DataFrame,
    target: str,
    *,
    val_size: float = 0.15,
    test_size: float = 0.2,
    seed: int = 0,
) -> pd.Series:
    """Seeded, stratified split of development rows into train, validation and test.

    Returns a Series indexed like ``df`` with values ``"train"``, ``"validation"``
    and ``"test"`` (validation drives early stopping; test is touched once).
    """
    y = check_binary_target(df, target)
    for name, share in (("val_size", val_size), ("test_size", test_size)):
        if not 0 < share < 1:
            raise ValueError(f"{name}: expected a share in (0, 1), got {share}")
    if val_size + test_size >= 0.9:
        raise ValueError("val_size + test_size: expected under 0.9 to leave rows for training")
    idx = np.arange(len(df))
    rest, test = train_test_split(idx, test_size=test_size, stratify=y, random_state=seed)
    train, val = train_test_split(
        rest, test_size=val_size / (1 - test_size), stratify=y[rest], random_state=seed + 1
    )
    labels = np.empty(len(df), dtype=object)
    labels[train], labels[val], labels[test] = "train", "validation", "test"
    return pd.Series(labels, index=df.index, name="split")


def fit_churn_model(
    df: pd.DataFrame,
    target: str = "churn_6m",
    features: list[str] | None = None,
    *,
    categorical: list[str] | None = None,
    eval_df: pd.DataFrame | None = None,
    val_size: float = 0.15,
    n_estimators: int = 600,
    learning_rate: float = 0.05,
    max_depth: int = 4,
    min_child_weight: float = 5.0,
    subsample: float = 0.8,
    colsample_bytree: float = 0.8,
    reg_lambda: float = 1.0,
    early_stopping_rounds: int = 30,
    seed: int = 0,
    n_jobs: int | None = None,
    leakage_guard: bool = True,
    allow: list[str] | tuple[str, ...] = (),
    oot: pd.DataFrame | None = None,
    oracle_auc: float | None = None,
) -> ChurnModel:
    """Fit an XGBoost classifier with early stopping on a validation set.

    Parameters
    ----------
    df : training rows with ``target`` and ``features``.
    target : binary 0/1 column.
    features : feature columns (required); text/category columns are categorical
        unless ``categorical`` lists them explicitly.
    eval_df : validation rows for early stopping; when ``None`` a stratified
        ``val_size`` share of ``df`` is held out instead.
    n_estimators, learning_rate, max_depth, min_child_weight, subsample,
    colsample_bytree, reg_lambda, early_stopping_rounds : XGBoost settings.
    seed : random seed (split and subsampling).
    leakage_guard : run :func:`riskinsights_lib.leakage.check_leakage` on the training
        rows first; a feature above the threshold stops the fit with a one-line error.
    allow : features the guard lets through (known at decision time despite their power).
    oot : out-of-time rows, for the guard's train-vs-out-of-time AUC drop.
    oracle_auc : AUC of the true probabilities when known (tightens the guard's threshold).

    Returns
    -------
    ChurnModel, trimmed to the best iteration.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"x": rng.normal(size=400), "g": rng.choice(["a", "b"], 400)})
    >>> d["y"] = (d["x"] + (d["g"] == "a") + rng.normal(size=400) > 1).astype(int)
    >>> m = fit_churn_model(d, "y", ["x", "g"], n_estimators=20)
    >>> m.predict_proba(d).shape
    (400, 2)
    """
    if features is None:
        raise ValueError("features: expected the list of feature columns")
    features = _check_features(df, features, target)
    y = check_binary_target(df, target)
    leakage = (
        check_leakage(df, target, features, oot=oot, allow=allow, oracle_auc=oracle_auc, seed=seed)
        if leakage_guard
        else None
    )
    if eval_df is None:
        if not 0 < val_size < 1:
            raise ValueError(f"val_size: expected a share in (0, 1), got {val_size}")
        tr, va = train_test_split(
            np.arange(len(df)), test_size=val_size, stratify=y, random_state=seed
        )
        train_df, eval_df = df.iloc[tr], df.iloc[va]
    else:
        train_df = df
    y_train = check_binary_target(train_df, target)
    y_val = check_binary_target(eval_df, target)
    if y_train.min() == y_train.max():
        raise ValueError(f"target: training rows hold a single class of {target!r}")
    prep = Preprocessing.fit(train_df, features, categorical)
    params = {
        "n_estimators": int(n_estimators),
        "learning_rate": float(learning_rate),
        "max_depth": int(max_depth),
        "min_child_weight": float(min_child_weight),
        "subsample": float(subsample),
        "colsample_bytree": float(colsample_bytree),
        "reg_lambda": float(reg_lambda),
        "early_stopping_rounds": int(early_stopping_rounds),
        "seed": int(seed),
    }
    clf = xgb.XGBClassifier(
        n_estimators=params["n_estimators"],
        learning_rate=params["learning_rate"],
        max_depth=params["max_depth"],
        min_child_weight=params["min_child_weight"],
        subsample=params["subsample"],
        colsample_bytree=params["colsample_bytree"],
        reg_lambda=params["reg_lambda"],
        early_stopping_rounds=params["early_stopping_rounds"],
        objective="binary:logistic",
        eval_metric="logloss",
        tree_method="hist",
        enable_categorical=True,
        random_state=params["seed"],
        n_jobs=n_jobs,
    )
    clf.fit(
        prep.transform(train_df),
        y_train,
        eval_set=[(prep.transform(eval_df), y_val)],
        verbose=False,
    )
    best = int(getattr(clf, "best_iteration", params["n_estimators"] - 1))
    history = [float(v) for v in clf.evals_result()["validation_0"]["logloss"]]
    booster = clf.get_booster()[: best + 1]
    logger.info("churn model: best iteration %d of %d", best + 1, len(history))
    return ChurnModel(
        booster=booster,
        preprocessing=prep,
        target=target,
        params=params,
        best_iteration=best,
        eval_history=history,
        n_train=len(train_df),
        n_validation=len(eval_df),
        leakage=leakage,
    )
