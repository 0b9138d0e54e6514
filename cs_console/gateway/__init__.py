"""`cs-console serve`: the ASGI gateway (bridge API, outbox delivery, buyer chat page)."""
