"""Memory: 100,000 rows and a full image cache. RSS from /proc/self/status (psutil is not installed).

The real main window (MainWindow) offscreen with 100,000 scans in its list, and an ImageService with
the product's default cache (settings.cache_mb = 256 MB) filled through its own path (`show` ->
decode in the executor -> cache) with simulator-drawn card JPEGs (640 to 1600 px wide, as the
simulator serves them) until it has evicted for a while. Budget: reported, and the cache's own
bound holds (`cache.bytes_used <= cache.max_bytes`). Floor: RSS of this process once Qt and the
window's modules are imported and the QApplication exists, before any row or image.
"""

from __future__ import annotations

from _common import MemoryResolver, QtDriver, Row, activate, emit, figure_parser, mib, ratio, rss_kib, verdict

ROWS = 100_000
DISTINCT_JPEGS = 24


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--images", type=int, help="images shown (default 160, quick 120)")
    args = parser.parse_args()
    shown = args.images or (120 if args.quick else 160)
    driver = QtDriver()

    from reviewdesk.domain.keymap import Keymap
    from reviewdesk.domain.scan import Scan
    from reviewdesk.settings import Settings
    from reviewdesk.sim.images import image_bytes
    from reviewdesk.ui.image_service import ImageService
    from reviewdesk.ui.main_window import MainWindow

    driver.drain_events()
    floor_kib, _ = rss_kib()
    window = MainWindow(Keymap.defaults())
    activate(driver, window)
    window.scan_list.set_scans(
        Scan(f"scan_{i:08x}_{i:06d}", {"bin": "411111", "last4": f"{i % 10000:04d}", "amount": "12.50"})
        for i in range(args.rows)
    )
    driver.drain_events()
    rows_kib, _ = rss_kib()

    jpegs = [image_bytes(f"ready-mem-{i}", False) for i in range(DISTINCT_JPEGS)]
    resolver = MemoryResolver(lambda scan_id: jpegs[int(scan_id.rsplit("-", 1)[1]) % DISTINCT_JPEGS])
    cache_bytes = Settings().cache_mb * 1024 * 1024
    service = ImageService(lambda: resolver, prefetch=0, cache_bytes=cache_bytes)
    over = 0
    for i in range(shown):
        scan_id = f"ready-mem-{i}"
        service.show(scan_id)
        driver.wait_until(lambda s=scan_id: service.cached(s) is not None, timeout=30)
        over = max(over, service.cache.bytes_used - service.cache.max_bytes)
    driver.drain_events()
    full_kib, peak_kib = rss_kib()
    cache = service.cache
    holds = over <= 0 and cache.bytes_used <= cache.max_bytes
    window.close()
    driver.close()
    emit(
        Row(
            figure=f"memory: {args.rows:,} rows and a full image cache",
            value=f"RSS {mib(full_kib)} (peak {mib(peak_kib)})",
            floor=f"Qt + modules {mib(floor_kib)}",
            ratio=f"{ratio(full_kib, floor_kib):.2f}x",
            budget="reported; the cache bound holds",
            verdict=verdict(holds),
            notes=(
                f"rows added {mib(rows_kib - floor_kib)}; "
                f"images added {mib(full_kib - rows_kib)} for a cache of "
                f"{cache.bytes_used / 2**20:.0f} MiB used / {cache.max_bytes / 2**20:.0f} MiB bound, "
                f"{len(cache)} images, {cache.evictions} evictions after {shown} shown"
            ),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
