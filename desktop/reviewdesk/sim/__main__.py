"""`python -m reviewdesk.sim ...`: the simulator without the full reviewdesk CLI."""

from __future__ import annotations

import argparse
import sys

from reviewdesk.sim.cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reviewdesk.sim", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
