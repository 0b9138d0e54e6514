"""Pure shop rules (DOMAIN.md). No I/O, no Textual, no SQL: only the standard library and pydantic."""
