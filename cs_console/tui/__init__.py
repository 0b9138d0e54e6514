"""The Textual app. Widgets hold no business rules: they call services and render results."""
