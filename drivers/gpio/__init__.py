"""Lights, buzzers, sensors and motors through gpiozero. gpiozero callbacks
arrive on its own threads; the drivers here hop them onto the asyncio loop."""
