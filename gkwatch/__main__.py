"""``python -m gkwatch`` is the same as the ``gkwatch`` command."""
from gkwatch.cli import main

# guarded: a forkserver child (workers/sandbox.py) imports the main module again
if __name__ == "__main__":
    raise SystemExit(main())
