"""Goods (商品) and their SKUs: the 淘宝助理 catalogue file, sales properties, stock look-ups.

Pure: no I/O beyond decoding bytes handed in, no store, no Textual.
"""
