"""FEIG ISO-Host protocol (FEIG ID ISC and CPR readers and OEM relatives):
the pure frame codec (:mod:`.frames`), the command table (:mod:`.commands`)
and the driver over serial or TCP (:mod:`.driver`)."""
