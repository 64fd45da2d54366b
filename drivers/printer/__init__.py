"""Receipt printers (ESC/POS thermal printers, and a file printer for tests)."""
