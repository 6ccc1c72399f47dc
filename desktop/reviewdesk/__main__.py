import sys

from reviewdesk.cli import main

sys.exit(main())
