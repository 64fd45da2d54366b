"""The product's demo on one machine: the demo ILS, the simulated reader,
pad and card reader, the circulation service and the kiosk window, with a
control panel to place books and tap library cards (:mod:`.panel`), or,
without a display, a scripted session walked through the real window on a
private X server, with a screenshot of every screen (:mod:`.script`).

``smartlib demo`` runs it (:func:`kiosk.demo.main.run_demo`).
"""
