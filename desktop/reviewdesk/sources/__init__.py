"""Review sources: one module each, behind `reviewdesk.sources.base.Source`."""
