"""Parameter files: one schema, validated as a whole before any notebook runs.

A parameter file (``params/*.yaml``) holds a ``run`` section of global
settings and one section per notebook, named after the notebook without its
number (``04_default_scoring.ipynb`` reads ``default_scoring``). Every key of
a section is a parameter of that notebook's ``parameters`` cell.

Every section and every key must be present (an empty file, a missing
section or a missing key is an error, never a silent default), except keys
marked optional (``pseudonym_key_file``). Integers are strict: ``true`` is not
1. Wrong input raises :class:`ParamsError` with one line naming the file, the
key and what was expected.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "ParamsError",
    "Params",
    "load_params",
    "validate_params",
    "apply_overrides",
    "section_name",
    "MAX_SEED",
]


class ParamsError(ValueError):
    """A parameter file or override is invalid; the message is one line."""


#: Keys that may be left out of a parameter file (everything else must be present).
OPTIONAL_KEYS = frozenset({"run.pseudonym_key_file"})
#: Largest seed numpy's legacy generators and scikit-learn accept.
MAX_SEED = 2**32 - 1


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """``true`` where a number is expected is a mistake, not 1."""
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and field.annotation in (int, float):
            raise ValueError(f"expected a number, got {str(value).lower()}")
        return value


def _is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class RunSection(_Section):
    """Global settings shared by every notebook."""

    seed: int = Field(42, ge=0, le=MAX_SEED, description="Random seed of the whole run")
    n_customers: int = Field(10_000, gt=0, description="Customers in the synthetic bank")
    start_date: dt.date = Field(
        dt.date(2023, 1, 1), description="First day of the simulated history"
    )
    n_months: int = Field(24, ge=12, le=240, description="Months of simulated history")
    snapshots: list[dt.date] = Field(
        default_factory=lambda: [dt.date(2023, 6, 30), dt.date(2023, 9, 30), dt.date(2023, 12, 31)],
        min_length=2,
        description="Model snapshot dates (month ends): the first is development, the last out-of-time",
    )
    pseudonym_key_file: str | None = Field(
        None,
        min_length=1,
        description="File holding the key of the keyed hash that replaces natural ids past the "
        "raw layer (env RISKINSIGHTS_PSEUDONYM_KEY wins; the key itself never goes in a "
        "parameter file). Required for own extracts; synthetic runs fall back to a demo key",
    )
    outputs_dir: str = Field("outputs", min_length=1, description="Folder that holds run folders")
    show_code: bool = Field(False, description="Show code cells in the HTML reports")

    @model_validator(mode="after")
    def _check_dates(self) -> RunSection:
        if self.start_date.day != 1:
            raise ValueError(
                f"start_date: expected the first day of a month, got {self.start_date}"
            )
        end = _add_months(self.start_date, self.n_months) - dt.timedelta(days=1)
        snaps = self.snapshots
        if snaps != sorted(set(snaps)):
            raise ValueError("snapshots: expected strictly increasing dates")
        for snap in snaps:
            if not _is_month_end(snap):
                raise ValueError(f"snapshots: expected month-end dates, got {snap}")
            if snap < _add_months(self.start_date, 3) - dt.timedelta(days=1):
                raise ValueError(f"snapshots: {snap} leaves under 3 months of history before it")
        if _add_months(snaps[-1] + dt.timedelta(days=1), 12) - dt.timedelta(days=1) > end:
            raise ValueError(
                f"snapshots: the last snapshot {snaps[-1]} needs 12 months of outcome before the "
                f"end of the history {end} (raise n_months or move the snapshot earlier)"
            )
        return self

    @property
    def end_date(self) -> dt.date:
        return _add_months(self.start_date, self.n_months) - dt.timedelta(days=1)


class GenerateDataSection(_Section):
    """01: the synthetic bank."""

    tx_per_customer_month: float = Field(
        12.0, gt=0, le=500, description="Mean card/account transactions per customer and month"
    )
    anomaly_rate: float = Field(
        0.003, ge=0, lt=0.2, description="Share of transactions planted as anomalies"
    )
    dirty_row_rate: float = Field(
        0.001,
        ge=0,
        lt=0.1,
        description="Share of raw rows corrupted on purpose (for the ETL to quarantine)",
    )
    file_format: Literal["csv", "parquet"] = Field("csv", description="Raw extract format")
    chunk_customers: int = Field(
        20_000, gt=0, description="Customers simulated per transaction chunk (bounds memory)"
    )
    truth_paths: int = Field(
        200, ge=10, le=5000, description="Monte Carlo paths per customer for the true probabilities"
    )


class EtlStarSchemaSection(_Section):
    """02: the DuckDB star schema and model marts."""

    max_reject_rate: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Stop the run when a source rejects more than this share of rows",
    )
    feature_lookback_months: int = Field(
        6, ge=3, le=24, description="Months of history behind each snapshot feature"
    )
    require_controls: bool = Field(
        False,
        description="Stop when an extract has no control file <file>.ctl.json (else a warning)",
    )
    csv_encoding: Literal["utf-8", "latin-1", "cp1252"] = Field(
        "utf-8", description="Encoding of the CSV extracts"
    )
    csv_delimiter: str = Field(",", min_length=1, max_length=1, description="CSV field delimiter")
    csv_quote: str = Field('"', min_length=1, max_length=1, description="CSV quote character")
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="Engine that builds the datamart: embedded DuckDB, or Apache Spark "
        "(pip install -e '.[spark]', Java 17; settings in the spark section)",
    )


_SPARK_MASTER = re.compile(r"^(local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|spark://\S+|yarn|k8s://\S+)$")


class SparkSection(_Section):
    """Apache Spark, when ``etl_star_schema.engine`` is ``spark`` (read by 02 as ``spark_*``)."""

    master: str = Field(
        "local[*]",
        description="Spark master: local[*], local[N], spark://host:port, yarn or k8s://...",
    )
    conf: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="Other Spark settings passed through (keys start with 'spark.'), "
        "e.g. spark.executor.memory: 8g",
    )

    @field_validator("master")
    @classmethod
    def _check_master(cls, master: str) -> str:
        if not _SPARK_MASTER.match(master):
            raise ValueError("expected local[*], local[N], spark://host:port, yarn or k8s://...")
        return master

    @field_validator("conf")
    @classmethod
    def _check_conf(cls, conf: dict) -> dict:
        bad = [k for k in conf if not k.startswith("spark.")]
        if bad:
            raise ValueError(f"expected keys starting with 'spark.', got {bad[0]!r}")
        return conf


class BiReportingSection(_Section):
    """03: KPIs, charts and BI exports."""

    export_formats: list[Literal["parquet", "csv"]] = Field(
        default_factory=lambda: ["parquet", "csv"], min_length=1
    )
    top_n: int = Field(10, gt=0, description="Rows shown in top-N tables and charts")
    publish: str = Field(
        "",
        description="PostgreSQL to publish to: '' (off), 'env' (PG* variables), 'env:NAME' "
        "(URL in that variable), 'service:NAME' or a postgresql:// URL without password",
    )
    publish_schema: str = Field(
        "riskinsights",
        description="Target schema of the publish; {run_id} in it becomes the run's id",
    )
    publish_reader_role: str = Field(
        "riskinsights_bi",
        pattern=r"^([a-z_][a-z0-9_]{0,62})?$",
        description="Role given SELECT only on the published schema ('' = no grants)",
    )

    @model_validator(mode="after")
    def _check_publish(self) -> BiReportingSection:
        from riskinsights_lib.publish.settings import check_target, schema_name

        check_target(self.publish)
        schema_name(self.publish_schema, "run")
        return self


class DefaultScoringSection(_Section):
    """04: the credit scorecard."""

    test_size: float = Field(0.3, gt=0, lt=1)
    min_iv: float = Field(
        0.02, ge=0, description="Drop features whose information value is below this"
    )
    max_correlation: float = Field(
        0.7, gt=0, le=1, description="Drop the weaker of two WoE features correlated above this"
    )
    pdo: float = Field(20.0, gt=0, description="Points to double the odds")
    base_score: float = Field(600.0, description="Score at the base odds")
    base_odds: float = Field(50.0, gt=0, description="Good:bad odds at the base score")
    n_grades: int = Field(8, ge=3, le=20, description="Grades of the master scale")
    cutoff_policy: Literal["max_ks", "approval_rate"] = Field("max_ks")
    approval_rate: float = Field(
        0.85, gt=0, lt=1, description="Share approved when cutoff_policy is approval_rate"
    )
    n_bootstrap: int = Field(200, ge=10, le=5000)
    xgb_n_estimators: int = Field(300, gt=0)
    xgb_max_depth: int = Field(3, gt=0, le=12)
    xgb_learning_rate: float = Field(0.05, gt=0, le=1)


class ChurnPredictionSection(_Section):
    """05: the churn model."""

    val_size: float = Field(0.15, gt=0, lt=1)
    test_size: float = Field(0.2, gt=0, lt=1)
    n_estimators: int = Field(600, gt=0)
    learning_rate: float = Field(0.05, gt=0, le=1)
    max_depth: int = Field(4, gt=0, le=12)
    min_child_weight: float = Field(5.0, ge=0)
    subsample: float = Field(0.8, gt=0, le=1)
    colsample_bytree: float = Field(0.8, gt=0, le=1)
    reg_lambda: float = Field(1.0, ge=0)
    early_stopping_rounds: int = Field(30, gt=0)
    n_bootstrap: int = Field(200, ge=10, le=5000)
    cutoff: float = Field(
        0.5, gt=0, lt=1, description="Probability cut-off for the confusion matrix"
    )
    contact_cost: float = Field(10.0, ge=0, description="Cost of one retention contact (EUR)")
    save_rate: float = Field(0.3, ge=0, le=1, description="Share of contacted churners who stay")
    n_waterfalls: int = Field(
        3, ge=0, le=20, description="Highest-risk customers explained with SHAP waterfalls"
    )
    balance_margin: float = Field(
        0.02, ge=0, le=1, description="Customer value: yearly margin earned on deposit balances"
    )
    income_per_product: float = Field(
        60.0, ge=0, description="Customer value: yearly income per product held (EUR)"
    )

    @model_validator(mode="after")
    def _check_split(self) -> ChurnPredictionSection:
        if self.val_size + self.test_size >= 0.9:
            raise ValueError("val_size + test_size: expected under 0.9 to leave rows for training")
        return self


class AnomalyExplorationSection(_Section):
    """06: the transaction anomaly detector."""

    n_estimators: int = Field(200, gt=0)
    max_samples: int = Field(
        4096,
        gt=1,
        description="Rows drawn to grow each tree (4096 beat 256 and 1024 on the CI-scale bank)",
    )
    contamination: float = Field(0.005, gt=0, lt=0.5)
    fit_sample: int = Field(200_000, gt=0, description="Transactions sampled to fit the detectors")
    score_chunk: int = Field(
        500_000, gt=0, description="Transactions scored per chunk (bounds memory)"
    )
    review_capacity: int = Field(
        200, gt=0, description="k: transactions the analyst team reviews per day"
    )
    lof_neighbors: int = Field(20, gt=1)
    lof_fit_rows: int = Field(
        5_000,
        gt=1,
        description="Transactions the LOF baseline is fitted on (each score is a neighbour search among them)",
    )
    min_history: int = Field(
        10,
        ge=1,
        description="Earlier transactions (of the kind compared with) a customer habit needs before it counts",
    )
    baseline_sample_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Share of each day's normal transactions on which LOF and ECOD are scored and evaluated (every planted anomaly is kept)",
    )


class TrackingSection(_Section):
    """MLflow tracking and registry of the model notebooks (04-06); keys reach them as ``tracking_<key>``."""

    enabled: bool = Field(True, description="Log runs and models to MLflow and register them")
    uri: str = Field(
        "",
        description="MLflow tracking URI, e.g. http://127.0.0.1:5000; empty: the embedded SQLite "
        "store <outputs>/mlflow.db (env MLFLOW_TRACKING_URI wins)",
    )
    experiment: str = Field("riskinsights", min_length=1, description="MLflow experiment name")
    compare_last: int = Field(
        5, ge=1, le=100, description="Earlier runs of the same model listed for comparison"
    )

    @field_validator("uri")
    @classmethod
    def _no_credentials(cls, uri: str) -> str:
        if "@" in uri.split("://", 1)[-1].split("/", 1)[0]:
            raise PydanticCustomError(  # type "secret": the value is never echoed
                "secret",
                "credentials do not belong in a parameter file; set "
                "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD in the environment",
            )
        return uri


class Params(_Section):
    """A whole parameter file."""

    run: RunSection = Field(default_factory=RunSection)
    generate_data: GenerateDataSection = Field(default_factory=GenerateDataSection)
    etl_star_schema: EtlStarSchemaSection = Field(default_factory=EtlStarSchemaSection)
    spark: SparkSection = Field(default_factory=SparkSection)
    bi_reporting: BiReportingSection = Field(default_factory=BiReportingSection)
    default_scoring: DefaultScoringSection = Field(default_factory=DefaultScoringSection)
    churn_prediction: ChurnPredictionSection = Field(default_factory=ChurnPredictionSection)
    anomaly_exploration: AnomalyExplorationSection = Field(
        default_factory=AnomalyExplorationSection
    )
    tracking: TrackingSection = Field(default_factory=TrackingSection)

    def section(self, name: str) -> dict[str, Any]:
        """The parameters of one notebook section as plain JSON-able values."""
        return getattr(self, name).model_dump(mode="json")

    def globals(self) -> dict[str, Any]:
        """The global ``run`` settings as plain JSON-able values."""
        return self.run.model_dump(mode="json")


def section_name(notebook_stem: str) -> str:
    """``"04_default_scoring"`` -> ``"default_scoring"``."""
    head, _, rest = notebook_stem.partition("_")
    if not head.isdigit() or not rest:
        raise ValueError(
            f"notebook: expected a name like '04_default_scoring', got {notebook_stem!r}"
        )
    return rest


def _describe(error: dict) -> str:
    key = ".".join(str(p) for p in error["loc"]) or "(top level)"
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    given = None if error["type"] == "secret" else error.get("input")
    shown = "" if isinstance(given, (dict, list)) or given is None else f", got {given!r}"
    return f"{key}: {msg}{shown}"


_MOVED = {
    ("run", "pseudonym_key"): "keys never go in a parameter file: set the environment variable "
    "RISKINSIGHTS_PSEUDONYM_KEY or name a file holding it in run.pseudonym_key_file",
}


def _check_complete(data: dict, source: str) -> None:
    """Every section and every non-optional key present; retired keys named with their successor."""
    for section, model in Params.model_fields.items():
        if section not in data:
            raise ParamsError(f"{source}: {section}: missing section (every section must be given)")
        block = data[section]
        if not isinstance(block, dict):
            raise ParamsError(f"{source}: {section}: expected a mapping of keys")
        for key in block:
            if (section, key) in _MOVED:
                raise ParamsError(f"{source}: {section}.{key}: {_MOVED[(section, key)]}")
        for key in model.annotation.model_fields:
            if key not in block and f"{section}.{key}" not in OPTIONAL_KEYS:
                raise ParamsError(f"{source}: {section}.{key}: missing key")


def validate_params(data: Any, source: str) -> Params:
    """Validate a parsed mapping; raise :class:`ParamsError` naming ``source``."""
    if data is None:
        raise ParamsError(f"{source}: empty parameter file (expected the sections {_sections()})")
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping of sections, got {type(data).__name__}")
    _check_complete(data, source)
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ParamsError(f"{source}: {_describe(first)}{suffix}") from None


def _sections() -> str:
    return ", ".join(Params.model_fields)


def apply_overrides(data: dict, overrides: list[str], source: str = "-p") -> dict:
    """Apply ``section.key=value`` overrides (values parsed as YAML) to a raw mapping."""
    result = {k: dict(v) if isinstance(v, dict) else v for k, v in (data or {}).items()}
    for item in overrides:
        key, sep, raw = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not sep or not dot or not section or not name:
            raise ParamsError(f"{source} {item!r}: expected section.key=value")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise ParamsError(f"{source} {item!r}: the value is not valid YAML") from None
        block = result.setdefault(section, {})
        if not isinstance(block, dict):
            raise ParamsError(f"{source} {item!r}: {section} is not a section")
        block[name] = value
    return result


def load_params(path: str | Path, overrides: list[str] | None = None) -> Params:
    """Read, override and validate a parameter file.

    Raises :class:`ParamsError` (one line: file, key, what was expected) on a
    missing file, invalid YAML, an unknown key, a wrong type or an impossible value.
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameter file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParamsError(f"{path}: line {line}: not UTF-8 text (save the file as UTF-8)") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise ParamsError(f"{path}: not valid YAML{line}") from None
    if overrides and isinstance(data, dict):
        data = apply_overrides(data, overrides)
        return validate_params(data, f"{path} (with -p overrides)")
    return validate_params(data, str(path))
