"""ISO 28560 item-tag data: the -2 (ISO/IEC 15962) and -3 (fixed-length)
encodings, legacy vendor formats, and the typed item-tag model.

Pure codecs: standard library only, no I/O, no clocks, no globals.
"""
