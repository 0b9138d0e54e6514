"""Loading the shop's policy files (``data/*.yaml``, ``quick_replies.yaml``) with FILE:LINE errors."""
