"""The Kivy widgets of the kiosk. Import only after
:func:`kiosk.display.prepare_kivy` (Kivy reads its environment on import)."""
