"""``python -m pqlkit.report --regenerate [NOTEBOOK ...]``: re-execute the committed notebooks in place
(:func:`pqlkit.report.regenerate.regenerate`). For the report itself, use ``pqlkit report``."""

import sys

from pqlkit.report.regenerate import main

if __name__ == "__main__":
    sys.exit(main())
