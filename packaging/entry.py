"""The frozen program's entry point: exactly the installed `reviewdesk` command (reviewdesk.cli)."""

import sys

from reviewdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
