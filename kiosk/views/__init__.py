"""View models: what each screen shows, as plain immutable values built from
the session's state (:func:`kiosk.views.build.build_view`). The Kivy widgets
render them and send back the ids of the actions touched; tests read them
without a window."""
