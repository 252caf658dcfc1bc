"""The publish setting: forms, passwords refused and never echoed, schema names (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from riskinsights_lib.params import Params, ParamsError, apply_overrides, validate_params
from riskinsights_lib.publish import (
    PublishError,
    PublishTargetError,
    check_target,
    publish_datamart,
    redact,
    resolve_target,
    schema_name,
)

SECRET = "s3cr3t-Pa55"
CI_PARAMS = Path(__file__).resolve().parents[1] / "params" / "ci.yaml"


@pytest.mark.parametrize(
    "spec",
    ["", "env", "env:BI_URL", "service:bi_prod", "postgresql://bi@db.bank:5432/analytics"],
)
def test_accepted_forms(spec):
    assert check_target(spec) == spec


@pytest.mark.parametrize(
    "spec",
    [
        f"postgresql://bi:{SECRET}@db.bank/analytics",
        f"postgres://bi@db.bank/analytics?password={SECRET}",
        f"host=db.bank password={SECRET}",
        "env:1BAD",
        "service:",
    ],
)
def test_refused_forms_never_echo_the_password(spec):
    with pytest.raises(PublishTargetError) as err:
        check_target(spec)
    assert SECRET not in str(err.value)
    assert "\n" not in str(err.value)


def test_params_refuse_a_password_in_the_url():
    full = yaml.safe_load(CI_PARAMS.read_text())  # parameter files must be complete
    data = apply_overrides(full, [f"bi_reporting.publish=postgresql://bi:{SECRET}@db/x"])
    with pytest.raises(ParamsError) as err:
        validate_params(data, "params/ci.yaml")
    message = str(err.value)
    assert "bi_reporting" in message and "password" in message and SECRET not in message


def test_params_default_is_off():
    section = Params().bi_reporting
    assert section.publish == "" and section.publish_schema == "riskinsights"


def test_resolve_target(monkeypatch):
    assert resolve_target("env") == "postgresql://"
    assert resolve_target("service:bi.prod") == "postgresql://?service=bi.prod"
    monkeypatch.setenv("BI_URL", f"postgresql://bi:{SECRET}@db/x")
    assert resolve_target("env:BI_URL") == f"postgresql://bi:{SECRET}@db/x"
    monkeypatch.delenv("BI_URL")
    with pytest.raises(PublishTargetError, match="BI_URL is unset"):
        resolve_target("env:BI_URL")
    with pytest.raises(PublishTargetError, match="off"):
        resolve_target("")


def test_redact_masks_passwords():
    text = f"postgresql://bi:{SECRET}@db/x and host=db password={SECRET} port=5"
    masked = redact(text)
    assert SECRET not in masked
    assert "postgresql://bi:***@db/x" in masked and "password=***" in masked


def test_schema_name():
    assert schema_name("riskinsights", "2025-01-31_063000") == "riskinsights"
    assert schema_name("ri_{run_id}", "2025-01-31_063000") == "ri_2025_01_31_063000"
    with pytest.raises(PublishTargetError, match="publish_schema"):
        schema_name("Risk Insights", "x")


def test_publish_with_a_bad_target_fails_in_one_line(tiny_run):
    import duckdb

    con = duckdb.connect(str(tiny_run.datamart), read_only=True)
    try:
        with pytest.raises(PublishError) as err:
            publish_datamart(con, f"postgresql://bi:{SECRET}@127.0.0.1:1/x", run_id="r")
    finally:
        con.close()
    assert SECRET not in str(err.value) and "\n" not in str(err.value)


def test_types_follow_arrow_and_unsupported_ones_name_the_column():
    import pandas as pd
    import pyarrow as pa

    from riskinsights_lib.publish.ddl import UnsupportedTypeError, create_table_sql
    from riskinsights_lib.publish.plan import frame_to_arrow

    frame = pd.DataFrame(
        {
            "month_end": pd.to_datetime(["2024-01-31", "2024-02-29"]),
            "ts": pd.to_datetime(["2024-01-31 10:00", "2024-02-29 00:00"]),
            "n": pd.array([1, 2], dtype="uint16"),
            "share": [0.5, None],
            "segment": ["mass", "private"],
        }
    )
    table = frame_to_arrow(frame)
    sql = create_table_sql("s", "kpi_x", table.schema)
    assert '"month_end" date' in sql and '"ts" timestamp' in sql
    assert '"n" integer' in sql and '"share" double precision' in sql and '"segment" text' in sql
    odd = pa.schema([("tags", pa.list_(pa.string()))])
    with pytest.raises(UnsupportedTypeError, match=r"kpi_x\.tags"):
        create_table_sql("s", "kpi_x", odd)
