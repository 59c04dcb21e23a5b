"""``python -m orthanc_python``: the same as ``orthanc-python-plugin``."""

import sys

from ._cli import main

sys.exit(main())
