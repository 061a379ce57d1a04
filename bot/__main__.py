"""`python -m bot` runs the eventbot command line."""

import sys

from bot.cli import main

sys.exit(main())
