"""Peers fit on any frame and the peer table compares them on shared resamples."""

import numpy as np
import pandas as pd
import pytest

from riskinsights_lib.peers import PEERS, best_peer, fit_peers, peer_reading, peer_table


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "amount": rng.lognormal(8, 1, n),
            "score": rng.normal(size=n),
            "band": rng.choice(["a", "b", "c"], n).astype(object),
            "flag": rng.random(n) < 0.3,
        }
    )
    df.loc[rng.random(n) < 0.1, "amount"] = np.nan
    df.loc[rng.random(n) < 0.05, "band"] = None
    logit = -2 + 1.2 * df["score"] + np.where(df["band"] == "c", 0.8, 0) + 0.5 * df["flag"]
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


def test_every_peer_fits_and_scores_unseen_categories():
    train, test = _frame(1500, 0), _frame(500, 1)
    test.loc[test.index[:5], "band"] = "never seen"
    peers = fit_peers(train, "y", ["amount", "score", "band", "flag"], seed=0)
    assert list(peers) == list(PEERS)
    for peer in peers.values():
        p = peer.predict_pd(test)
        assert p.shape == (len(test),) and np.all((p >= 0) & (p <= 1))


def test_peer_table_intervals_and_reading():
    test = _frame(2000, 2)
    rng = np.random.default_rng(0)
    truth = test["score"].to_numpy()
    scores = {
        "scorecard": truth + rng.normal(0, 0.5, len(test)),
        "noisy": truth + rng.normal(0, 3, len(test)),
        "oracle": truth,
    }
    table = peer_table(test["y"], scores, ours="scorecard", oracle="oracle", n_boot=50, seed=0)
    assert table["model"].tolist() == ["scorecard", "noisy", "oracle"]
    row = table.set_index("model").loc["noisy"]
    assert row["diff_low"] > 0 and row["auc_low"] < row["auc"] < row["auc_high"]
    assert best_peer(table)[0] == "noisy"
    assert "ahead of the best peer" in peer_reading(table)
    with pytest.raises(ValueError, match="ours"):
        peer_table(test["y"], scores, ours="missing")
