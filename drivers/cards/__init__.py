"""Patron identification hardware: PC/SC card readers (pyscard), NFC
(nfcpy) and camera barcodes/QR codes. Each yields card UIDs or texts; mapping
them to a patron is library policy and lives in :mod:`edge`."""
