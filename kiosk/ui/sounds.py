"""Sounds for "item read", "success" and "problem": small WAV files in
``assets/sounds`` (made by ``.ci/sounds.py``), played through Kivy's audio
(SDL2 mixer). A kiosk without a sound device plays nothing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk.ui.theme import ASSETS

log = logging.getLogger(__name__)

CUES = ("read", "success", "problem")
SOUNDS = ASSETS / "sounds"


class Sounds:
    def __init__(self, enabled: bool = True, directory: Path = SOUNDS) -> None:
        self.enabled = enabled
        self.played: list[str] = []
        self._sounds: dict[str, Any] = {}
        if not enabled:
            return
        from kivy.core.audio import SoundLoader

        for cue in CUES:
            sound = SoundLoader.load(str(directory / f"{cue}.wav"))
            if sound is None:
                log.warning("no sound for %r (no audio provider?)", cue)
            else:
                self._sounds[cue] = sound

    def play(self, cue: str, volume: float) -> None:
        sound = self._sounds.get(cue)
        if sound is None or volume <= 0:
            return
        sound.stop()
        sound.volume = volume
        sound.play()
        self.played.append(cue)
        del self.played[:-50]

    def unload(self) -> None:
        for sound in self._sounds.values():
            sound.stop()
            sound.unload()
        self._sounds.clear()
