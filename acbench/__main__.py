"""``python -m acbench``: same as the ``acbench`` command."""

import sys

from acbench.cli import main

sys.exit(main())
