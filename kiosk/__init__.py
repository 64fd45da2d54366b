"""The self-service kiosk's touchscreen user interface (Kivy): screens, view
models, themes, sounds and the demo control panel.

Presentation only: every borrow, return and renew is a call into
:mod:`edge.circulation`. Nothing imports this package except the CLI, which
does so lazily so that gates and book drops never load Kivy.
"""
