"""Schemathesis over the in-process app: every operation, valid and invalid inputs, every check.

Bounded: ``EXAMPLES`` generated cases per operation and mode (10 operations x
positive/negative = 20 runs, about 300 requests), no shrinking, derandomised.
``call_and_validate`` runs all built-in checks, among them
``status_code_conformance`` (an undocumented status fails),
``response_schema_conformance``, ``negative_data_rejection``,
``positive_data_acceptance``, ``ignored_auth`` and ``not_a_server_error``.
"""

import pytest

pytest.importorskip("schemathesis")
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

from riskinsights_lib.serve.app import create_app  # noqa: E402
from riskinsights_lib.serve.settings import Settings  # noqa: E402

KEY = "fuzz-key-0123456789abcdef"
EXAMPLES = 15
OPERATIONS = [
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/version"),
    ("GET", "/v1/customers/{customer_id}"),
] + [("POST", f"/v1/{m}/score{b}") for m in ("default", "churn", "anomaly") for b in ("", "/batch")]


@pytest.fixture(scope="module")
def api_schema(served_run):
    app = create_app(Settings.with_keys([KEY], run_dir=served_run.root, max_batch=5))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    rejection = schema.config.checks.negative_data_rejection  # a list above the cap: 413
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    return schema


def test_the_schema_lists_exactly_these_operations(api_schema):
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_keeps_its_contract(api_schema, method, path, mode):
    if path == "/health" and mode == GenerationMode.NEGATIVE:
        pytest.skip("/health takes no input: nothing to make invalid")
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case):
        case.call_and_validate(headers={"X-API-Key": KEY})

    check()
