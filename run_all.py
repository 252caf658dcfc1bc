"""Run every numbered notebook into a dated report folder: ``python run_all.py --help``."""

import sys

from riskinsights_lib.runner import main

if __name__ == "__main__":
    sys.exit(main())
