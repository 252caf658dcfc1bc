"""Own extracts end to end at CI scale, and the personal-data scan of every output.

One CI-scale bank is generated (01 only); its ``raw/`` folder is then handed to
``run_all.py --extracts`` as a bank would hand over its files: no ``truth/``.
02-06 must run fully, say where ground truth is missing, keep the figures that
need it out of ``run.json``, and leave no personal value of ``raw/customers.csv``
(nor the pseudonym key) in any output. The same scan runs over failure runs
(a latin-1 customers file read as UTF-8, a field-shifted row, a truncated
transactions part) and over the console text of every run. Parquet extracts
go through the same door (02 only, to bound the time).

Budget: about 3 minutes on an idle 2-core machine (the 02-06 run dominates);
every subprocess is bounded by a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from riskinsights_lib.datamart.controls import control_path
from riskinsights_lib.manifest import validate_run
from riskinsights_lib.pii_scan import planted_values, scan_run

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / "params" / "ci.yaml"
KEY = "e2e-bank-secret-pseudonym-key"
NO_TRUTH = "These extracts carry no ground truth"
TRUTH_FIGURES = {
    "04_default_scoring": {"oracle_auc", "model_share_of_oracle", "quality_bar_auc_met"},
    "05_churn_prediction": {"oracle_auc", "model_share_of_oracle"},
    "06_anomaly_exploration": {"precision_at_k", "recall_at_k", "pr_auc_iforest", "n_anomalies"},
}
SCANNED: dict[str, dict] = {}  # run label -> counts, printed at the end of the module


def _run_all(outputs: Path, *args: str, key: str | None = KEY, timeout: int = 1500):
    env = {**os.environ, "RISKINSIGHTS_OUTPUTS": str(outputs), "PYTHONPATH": str(ROOT)}
    env.pop("RISKINSIGHTS_PSEUDONYM_KEY", None)
    if key:
        env["RISKINSIGHTS_PSEUDONYM_KEY"] = key
    return subprocess.run(
        [sys.executable, str(ROOT / "run_all.py"), "--params", str(CI), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _new_run(outputs: Path, before: set[Path]) -> Path:
    (run_dir,) = _runs(outputs) - before
    return run_dir


def _runs(outputs: Path) -> set[Path]:
    """Run folders under an outputs root (not ``latest``, not the MLflow store beside them)."""
    return {
        p
        for p in outputs.iterdir()
        if p.is_dir() and not p.is_symlink() and (p / "run.json").is_file()
    }


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    """A CI-scale bank's extracts (with control files), as a bank would hand them over."""
    outputs = tmp_path_factory.mktemp("generated")
    done = _run_all(outputs, "--only", "01", key=None, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    (run_dir,) = _runs(outputs)
    extracts = tmp_path_factory.mktemp("bank") / "extracts"
    shutil.copytree(run_dir / "raw", extracts)
    assert not (extracts / "truth").exists()
    return extracts


@pytest.fixture(scope="module")
def planted(bank) -> dict[str, str]:
    values = planted_values(bank / "customers.csv")
    values[KEY] = "pseudonym_key"
    return values


@pytest.fixture(scope="module")
def extracts_run(bank, tmp_path_factory):
    """02-06 on the bank's extracts: (run folder, completed process)."""
    outputs = tmp_path_factory.mktemp("own")
    done = _run_all(outputs, "--extracts", str(bank), "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    return _new_run(outputs, set()), done


def _scan(label: str, run_dir: Path, done, planted: dict[str, str]) -> None:
    console = [("console stdout", done.stdout), ("console stderr", done.stderr)]
    result = scan_run(run_dir, planted, extra_texts=console)
    SCANNED[label] = {"files": result.files, "bytes": result.bytes, "cells": result.cells}
    print(
        f"\nPII scan {label}: {result.values:,} planted values; {result.files} files, "
        f"{result.bytes:,} bytes, {result.cells:,} table cells scanned; {len(result.hits)} hits"
    )
    assert not result.hits, f"{label}: personal values found in {sorted(set(result.hits))[:10]}"


@pytest.mark.slow
def test_extracts_run_02_to_06_without_truth(extracts_run, bank):
    run_dir, done = extracts_run
    run = json.loads((run_dir / "run.json").read_text())
    validate_run(run)
    assert run["status"] == "ok" and (run_dir.parent / "latest").resolve() == run_dir
    assert [nb["name"][:2] for nb in run["notebooks"]] == ["02", "03", "04", "05", "06"]
    assert run["raw_origin"]["origin"] == "extracts" and run["raw_origin"]["source"] == str(bank)
    assert run["pseudonym_key"]["source"] == "environment" and not run["pseudonym_key"]["demo"]
    assert not (run_dir / "truth").exists()
    assert set(run["inputs"]) >= {"customers.csv", "transactions/part-00000.csv"}
    metrics = {nb["name"]: nb["metrics"] for nb in run["notebooks"]}
    for name, absent in TRUTH_FIGURES.items():
        assert metrics[name] and not absent & set(metrics[name]), name  # absent, not zero
    assert metrics["04_default_scoring"]["oot_auc"] > 0.5
    assert metrics["06_anomaly_exploration"]["n_queue_cases"] > 0
    for name in TRUTH_FIGURES:
        page = (run_dir / "reports" / f"{name}.html").read_text()
        assert NO_TRUTH in page, name
        assert "demo key" not in page
    assert (run_dir / "exports" / "anomaly_review_queue.csv").stat().st_size > 0
    assert "no truth folder" not in done.stderr


@pytest.mark.slow
def test_no_personal_value_in_any_output_of_the_extracts_run(extracts_run, planted):
    run_dir, done = extracts_run
    _scan("own extracts 02-06 (ok)", run_dir, done, planted)


@pytest.mark.slow
def test_own_extracts_without_a_key_stop_before_any_work(bank, tmp_path):
    done = _run_all(tmp_path / "outputs", "--extracts", str(bank), key=None, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "run_all: own extracts need a secret pseudonym key: set the environment variable "
        "RISKINSIGHTS_PSEUDONYM_KEY (at least 8 characters) or name a file holding it in "
        "run.pseudonym_key_file"
    ]
    assert not (tmp_path / "outputs").exists()


def _damaged(bank: Path, tmp_path: Path, kind: str) -> Path:
    copy = tmp_path / "extracts"
    shutil.copytree(bank, copy)
    customers = copy / "customers.csv"
    if kind == "latin1":
        lines = customers.read_text("utf-8").split("\n")
        first = pd.read_csv(customers, dtype=str, nrows=5)["first_name"].iloc[4]
        lines[5] = lines[5].replace(f'"{first}"', f'"{first}ë"', 1)  # file line 6
        customers.write_bytes("\n".join(lines).encode("latin-1"))
        control_path(customers).unlink()
    elif kind == "shifted":
        frame = pd.read_csv(customers, dtype=str, keep_default_na=False)
        row = frame.iloc[7].copy()
        row["onboarding_date"], row["marital_status"] = row["national_id"], row["email"]
        row["pep_flag"], row["customer_id"] = row["phone"], "C9100001"
        pd.concat([frame, row.to_frame().T]).to_csv(customers, index=False)
        control_path(customers).unlink()
    else:  # a transactions part cut mid-line; its control file stays
        part = copy / "transactions" / "part-00000.csv"
        data = part.read_bytes()
        part.write_bytes(data[: data.index(b"\n", len(data) // 2) + 7])
    return copy


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "code", "fragment"),
    [
        ("latin1", 1, "raw/customers.csv: line 6: bytes that are not valid utf-8 text"),
        ("shifted", 0, None),
        ("truncated", 1, "raw/transactions/part-00000.csv: control mismatch"),
    ],
)
def test_failure_runs_name_the_file_and_leak_nothing(bank, planted, tmp_path, kind, code, fragment):
    extracts = _damaged(bank, tmp_path, kind)
    outputs = tmp_path / "outputs"
    relaxed = ["-p", "etl_star_schema.require_controls=false"] if kind != "truncated" else []
    done = _run_all(outputs, "--extracts", str(extracts), "--only", "02", *relaxed, timeout=900)
    assert done.returncode == code, done.stderr[-2000:]
    run_dir = _new_run(outputs, set())
    run = json.loads((run_dir / "run.json").read_text())
    validate_run(run)
    if fragment:
        assert run["status"] == "failed"
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("run_all: 02_etl_star_schema failed: ") and fragment in last, last
    else:
        assert run["status"] == "partial" and run["notebooks"][0]["status"] == "ok"  # --only 02
        assert run["notebooks"][0]["metrics"]["rejected_rows"]["customers"] >= 1
        with duckdb.connect(str(run_dir / "datamart.duckdb"), read_only=True) as con:
            (shifted,) = con.execute(  # masked by content in non-personal columns too
                "SELECT count(*) FROM etl_reject WHERE source = 'customers' "
                """AND raw_record LIKE '%"marital_status":"***"%' """
                """AND raw_record LIKE '%"pep_flag":"***"%'"""
            ).fetchone()
        assert shifted == 1  # the shifted row, quarantined (the scan below checks every output)
    _scan(f"failure run: {kind}", run_dir, done, planted)


@pytest.mark.slow
def test_parquet_extracts_load_the_same_way(tmp_path):
    generated = tmp_path / "generated"
    done = _run_all(
        generated, "--only", "01", "-p", "generate_data.file_format=parquet", key=None, timeout=900
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (source,) = _runs(generated)
    done = _run_all(tmp_path / "own", "--extracts", str(source / "raw"), "--only", "02")
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = _new_run(tmp_path / "own", set())
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "partial" and run["notebooks"][0]["status"] == "ok"  # --only 02
    assert "customers.parquet" in run["inputs"] and "customers.parquet.ctl.json" in run["inputs"]
    assert run["notebooks"][0]["metrics"]["loaded_rows"]["customers"] > 2500


def test_print_scan_counts():
    """Not a check: prints the counts of the scans above (pytest -s) for the closing note."""
    for label, counts in SCANNED.items():
        print(f"{label}: {counts}")
