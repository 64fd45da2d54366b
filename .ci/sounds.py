"""Make the kiosk's sounds (kiosk/assets/sounds/*.wav): short sine tones
with soft edges, 16-bit mono at 22,050 Hz, a few kilobytes each.

    python .ci/sounds.py        # writes read.wav, success.wav, problem.wav

* read: one short high blip (a label was read);
* success: two rising tones, a fifth apart;
* problem: two falling low tones (never harsh: a kiosk is in a library).
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 22_050
OUT = Path(__file__).resolve().parent.parent / "kiosk" / "assets" / "sounds"

#: name -> [(frequency Hz, duration s, pause after s)]
SOUNDS = {
    "read": [(1318.5, 0.07, 0.0)],
    "success": [(659.3, 0.11, 0.02), (987.8, 0.18, 0.0)],
    "problem": [(392.0, 0.16, 0.04), (261.6, 0.26, 0.0)],
}


def tone(frequency: float, duration_s: float, volume: float = 0.45) -> list[int]:
    count = int(RATE * duration_s)
    edge = max(1, int(RATE * 0.012))
    samples = []
    for i in range(count):
        envelope = min(1.0, i / edge, (count - 1 - i) / edge)
        value = math.sin(2 * math.pi * frequency * i / RATE)
        value += 0.25 * math.sin(4 * math.pi * frequency * i / RATE)  # a little warmth
        samples.append(int(32767 * volume * envelope * value / 1.25))
    return samples


def render(parts: list[tuple[float, float, float]]) -> bytes:
    samples: list[int] = []
    for frequency, duration_s, pause_s in parts:
        samples += tone(frequency, duration_s)
        samples += [0] * int(RATE * pause_s)
    return struct.pack(f"<{len(samples)}h", *samples)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, parts in SOUNDS.items():
        with wave.open(str(OUT / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(render(parts))
        sys.stdout.write(f"{OUT / name}.wav\n")


if __name__ == "__main__":
    main()
