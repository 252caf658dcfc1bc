"""``python -m riskinsights_lib.datamart DB PNG``: save the ERD of a built datamart.

This is how ``docs/datamart_schema.png`` is made (see docs/datamart.md).
"""

import sys

from riskinsights_lib.datamart.erd import main

sys.exit(main())
