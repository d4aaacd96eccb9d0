"""``python -m gkwatch`` is the same as the ``gkwatch`` command."""
from gkwatch.cli import main

raise SystemExit(main())
