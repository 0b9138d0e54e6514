"""All SQLModel tables. Importing this package registers every table in ``SQLModel.metadata``.

One module per aggregate; add new modules to the import list below.
"""

from cs_console.store.tables.core import (
    Agent,
    Buyer,
    Chat,
    Draft,
    Message,
    Meta,
    ResponseRecord,
)

__all__ = ["Agent", "Buyer", "Chat", "Draft", "Message", "Meta", "ResponseRecord"]
