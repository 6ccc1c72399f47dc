"""`reviewdesk ARGS` as it would start with two proposed product fixes, emulated in this process only
(a demonstration for docs/PERFORMANCE.md, not a way to run the product):

1. `reviewdesk/__init__.py` sets `__version__` without importlib.metadata (emulated: the package
   module is made here with a literal version and the real package folder as its path);
2. `reviewdesk/sim/__init__.py` re-exports nothing eagerly and `reviewdesk/sim/cli.py` imports
   `SimServer` inside `run()` (emulated: the sim package is an empty namespace here, and sim/cli.py is
   executed without its top-level `from reviewdesk.sim.runner import SimServer`).

Everything else is the real code.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path


def _package(name: str, folder: Path, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = [str(folder)]  # type: ignore[attr-defined]
    module.__file__ = str(folder / "__init__.py")
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def main() -> int:
    spec = importlib.util.find_spec("reviewdesk")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    _package("reviewdesk", root, __version__="0.1.0")
    _package("reviewdesk.sim", root / "sim")
    source = (root / "sim" / "cli.py").read_text()
    source = source.replace("from reviewdesk.sim.runner import SimServer\n", "")
    cli = types.ModuleType("reviewdesk.sim.cli")
    cli.__file__ = str(root / "sim" / "cli.py")
    sys.modules["reviewdesk.sim.cli"] = cli
    exec(compile(source, cli.__file__, "exec"), cli.__dict__)

    from reviewdesk.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
