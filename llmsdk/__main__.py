"""``python -m llmsdk``."""

import sys

from llmsdk.cli import main

sys.exit(main())
