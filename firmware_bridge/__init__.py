"""Link to microcontroller firmware (book-drop sorters, gate sensor boards):
the framed serial protocol between the Pi and an MCU, as a pure codec plus a
thin async transport. Knows nothing of library policy."""
