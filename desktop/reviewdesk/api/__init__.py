"""Async clients for the review sources. No Qt here: the window and the command line both use them."""
