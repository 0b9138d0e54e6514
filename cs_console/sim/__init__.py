"""The demo buyer simulator: realistic Chinese buyers writing through the store API."""
