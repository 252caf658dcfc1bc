"""Test session set-up shared by unit tests and the nbmake notebook runs.

Everything a test or a notebook writes goes to a temporary outputs root, never
into ``outputs/`` of the checkout: the variable is set before any notebook
kernel starts, and kernels inherit it.
"""

import os
import tempfile

if not os.environ.get("RISKINSIGHTS_TEST_KEEP_OUTPUTS"):
    os.environ["RISKINSIGHTS_OUTPUTS"] = tempfile.mkdtemp(prefix="riskinsights-test-")
os.environ.setdefault("MPLBACKEND", "Agg")
