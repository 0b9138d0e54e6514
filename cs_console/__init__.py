"""cs-console (客服工作台): a keyboard-first terminal workstation for online-shop customer service."""

__version__ = "0.1.0"
