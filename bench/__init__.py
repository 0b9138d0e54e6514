"""``make bench``: performance figures, printed as a table and as JSON (not a test)."""
