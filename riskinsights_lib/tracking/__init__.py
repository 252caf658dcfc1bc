"""MLflow tracking and registry for the model notebooks (04 scorecard, 05 churn, 06 anomalies).

Embedded SQLite store under the outputs root by default; ``MLFLOW_TRACKING_URI``
or ``tracking.uri`` for a server. See :mod:`.store`, :mod:`.models`,
:mod:`.aliases`, :mod:`.compare` and :mod:`.runs` (the runner's hook).
"""

from riskinsights_lib.tracking.aliases import CHALLENGER, CHAMPION, AliasDecision, decide_alias
from riskinsights_lib.tracking.store import prepare_store, redact_uri, resolve_tracking_uri

__all__ = [
    "CHAMPION",
    "CHALLENGER",
    "AliasDecision",
    "decide_alias",
    "prepare_store",
    "redact_uri",
    "resolve_tracking_uri",
]
