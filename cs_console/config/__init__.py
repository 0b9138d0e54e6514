"""Loading the shop's policy files (``data/*.yaml``, ``quick_replies.yaml``) with FILE:LINE errors.

The YAML machinery is imported on first use (PEP 562), so importing ``cs_console.config`` stays
off the TUI's start-up path.
"""

__all__ = ["ConfigError", "load_yaml", "load_yaml_model"]


def __getattr__(name: str):
    if name in __all__:
        from cs_console.config import yamlfile

        return getattr(yamlfile, name)
    raise AttributeError(name)
