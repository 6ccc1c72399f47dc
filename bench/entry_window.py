"""Start the real `reviewdesk` window (through reviewdesk.cli.main, as the command does) and exit as
soon as it is shown and the event loop has gone round once. Prints `READY <time.monotonic()>`.

`--bench-profile FILE` first: a pyinstrument profile of the start (imports included) goes to FILE.
Only `reviewdesk.app.main_async` is replaced, in this process: instead of running until the reviewer
quits, it builds, shows the window, waits for a 0-ms timer, prints and exits (no teardown: that is
not start-up).
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    argv = sys.argv[1:]
    profiler = None
    if argv[:1] == ["--bench-profile"]:  # ours, not the product's: write a pyinstrument profile there
        from pyinstrument import Profiler

        out, argv = argv[1], argv[2:]
        profiler = Profiler(interval=0.0005)
        profiler.start()
    import asyncio

    import reviewdesk.app as app
    from reviewdesk.cli import main as cli_main

    async def start_only(args):  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QTimer

        built = await app.build(args)
        built.window.show()
        done = asyncio.get_running_loop().create_future()
        QTimer.singleShot(0, lambda: done.done() or done.set_result(None))
        await done
        print(f"READY {time.monotonic():.6f}", flush=True)
        if profiler is not None:
            profiler.stop()
            with open(out, "w") as fh:
                fh.write(profiler.output_text(unicode=True, color=False))
        os._exit(0)

    app.main_async = start_only  # type: ignore[assignment]
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
