"""The dashboard's inputs and command line, without a browser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.dashboard import load_explorer, save_explorer
from riskinsights_lib.dashboard.cli import main, voila_argv


def _rows(n=50):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "transaction_id": [f"T{i}" for i in range(n)],
            "customer_id": [f"c{i % 5}" for i in range(n)],
            "ts": pd.date_range("2024-01-01", periods=n, freq="h"),
            "amount": rng.gamma(2.0, 30.0, n),
            "score": rng.random(n),
        }
    )


def test_saved_inputs_load_back_identically(tmp_path):
    detector = {"stand-in": "any picklable detector"}
    folder = save_explorer(tmp_path, _rows(), detector, budget=5, max_budget=40)
    assert folder == tmp_path / "models" / "anomaly_explorer"
    inputs = load_explorer(tmp_path)
    pd.testing.assert_frame_equal(inputs.rows, _rows())
    assert inputs.detector == detector and inputs.settings["budget"] == 5


def test_bad_inputs_name_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="missing columns"):
        save_explorer(tmp_path, _rows().drop(columns="score"), None, budget=5, max_budget=40)
    with pytest.raises(ValueError, match="budget"):
        save_explorer(tmp_path, _rows(), None, budget=50, max_budget=40)


def test_command_refuses_a_run_without_inputs_in_one_line(tmp_path, capsys):
    assert main(["--run-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "run notebook 06" in err
    assert main(["--run-dir", str(tmp_path), "--port", "0"]) == 2
    argv = voila_argv(8866, "/tmp/x")
    assert "--Voila.ip=127.0.0.1" in argv and "--KernelManager.transport=ipc" in argv
    assert "--template=riskinsights" in argv
