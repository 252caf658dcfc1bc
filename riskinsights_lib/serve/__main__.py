"""``python -m riskinsights_lib.serve``: same as ``riskinsights serve``."""

import sys

from riskinsights_lib.serve.cli import main

sys.exit(main())
