"""The floor of start-up: a bare PySide6 QApplication and QMainWindow, shown; exits as soon as the
event loop has gone round once. Prints `READY <time.monotonic()>`."""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def ready() -> None:
    print(f"READY {time.monotonic():.6f}", flush=True)
    os._exit(0)


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1440, 880)
    window.show()
    QTimer.singleShot(0, ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
