"""ISO 15693 RFID readers for item tags: the async reader interface, the pad
view (tag arrived / left / data events), and reader protocols chosen by URL
(FEIG ISO-Host, PC/SC pseudo-APDUs, simulator)."""
