"""Which source an item comes from: the window, the image pipeline and the list ask this, never
the item's text. Built by services.py (Dyneti always; Jumio and Preventor when configured)."""

from __future__ import annotations

from collections.abc import Iterator

from reviewdesk.sources.base import DEFAULT_SOURCE, ItemKey, Source


class SourceRegistry:
    def __init__(self, *sources: Source) -> None:
        self._sources: dict[str, Source] = {}
        for source in sources:
            self.add(source)

    def add(self, source: Source) -> None:
        self._sources[source.name] = source

    def names(self) -> tuple[str, ...]:
        return tuple(self._sources)

    def __iter__(self) -> Iterator[Source]:
        return iter(self._sources.values())

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def get(self, name: str) -> Source | None:
        return self._sources.get(name)

    def key_of(self, item: str) -> ItemKey:
        """ "jumio:REF" -> (jumio, REF); a bare id (or an unknown prefix) is a Dyneti scan. The
        known prefixes are those of every source ReviewDesk has, configured or not, so that an item
        keeps its meaning when its source is not configured here."""
        return ItemKey.parse(item, KNOWN_SOURCES)

    def source_of(self, item: str) -> tuple[Source | None, str]:
        """The item's source (None when it is not configured) and its id there."""
        key = self.key_of(item)
        return self._sources.get(key.source), key.item_id

    def label_of(self, item: str) -> str:
        """ "Jumio" / "Preventor" / "Dyneti": for the list's source column."""
        return SOURCE_LABELS.get(self.key_of(item).source, self.key_of(item).source)


KNOWN_SOURCES = (DEFAULT_SOURCE, "jumio", "preventor")
SOURCE_LABELS = {DEFAULT_SOURCE: "Dyneti", "jumio": "Jumio", "preventor": "Preventor"}
