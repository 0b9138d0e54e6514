"""Loading the shop's policy files (``data/*.yaml``, ``quick_replies.yaml``) with FILE:LINE errors."""

from cs_console.config.yamlfile import ConfigError, load_yaml, load_yaml_model

__all__ = ["ConfigError", "load_yaml", "load_yaml_model"]
