"""A small two-language repository with user prompts as code, and WAV files of any format.

`make_repo(tmp_path)` writes:

    .ivr-ci.yaml          flows: [flows]; environment `staging` (brand substitution)
    flows/main.yaml       inboundCall 'Main IVR', en-us + es-us, plays Prompt.Welcome and Prompt.MainMenu
    prompts/welcome.yaml  Welcome: en-us TTS + recording, es-us TTS ({{brand}} substituted)
    prompts/main_menu.yaml MainMenu: en-us, es-us TTS ("press 1 ... press 2")
    prompts/audio/welcome.en-us.wav   8 kHz mono 16-bit PCM
"""

from __future__ import annotations

import struct
import textwrap
import wave
from pathlib import Path

CONFIG = """\
flows: [flows]
environments:
  staging:
    api_base: http://127.0.0.1:9
    client_id_env: STAGING_ID
    client_secret_env: STAGING_SECRET
    substitutions: {brand: Acme, queue: Support}
"""

MAIN_FLOW = """\
inboundCall:
  name: Main IVR
  division: Home
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
    es-us:
      defaultLanguageSkill:
        noValue: true
  startUpRef: "/inboundCall/menus/menu[main]"
  initialGreeting:
    exp: ToAudio(Prompt.Welcome)
  menus:
    - menu:
        name: Main
        refId: main
        audio:
          exp: ToAudio(Prompt.MainMenu)
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: "{{queue}}"
          - menuDisconnect:
              name: Bye
              dtmf: digit_2
"""

WELCOME = """\
# The greeting every caller hears first.
prompt:
  name: Welcome
  description: Main greeting
  resources:
    en-us:
      tts: "Welcome to {{brand}}."   # read when the recording is missing
      audio: audio/welcome.en-us.wav
    es-us:
      tts: "Bienvenido a {{brand}}."
"""

MAIN_MENU = """\
prompt:
  name: MainMenu
  resources:
    en-us: {tts: "For sales, press 1. To hang up, press 2."}
    es-us: {tts: "Para ventas, pulse 1. Para colgar, pulse 2."}
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write_pcm_wav(path: Path, *, rate: int = 8000, channels: int = 1, width: int = 2, frames: int = 800,
                  seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes((i * 7 + seed) % 256 for i in range(frames * channels * width)))
    return path


def write_tagged_wav(path: Path, tag: int, *, rate: int = 8000, channels: int = 1, bits: int = 8,
                     data: bytes = b"\x7f" * 400) -> Path:
    """A RIFF WAVE with any format tag (7 = µ-law, 6 = A-law, 0x11 = IMA ADPCM ...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    align = max(1, channels * bits // 8)
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def make_repo(root: Path, *, flow: str = MAIN_FLOW, welcome: str = WELCOME, main_menu: str = MAIN_MENU,
              config: str = CONFIG) -> Path:
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    (root / ".ivr-ci.yaml").write_text(config)
    (root / "flows" / "main.yaml").write_text(flow)
    (root / "prompts" / "welcome.yaml").write_text(welcome)
    (root / "prompts" / "main_menu.yaml").write_text(main_menu)
    write_pcm_wav(root / "prompts" / "audio" / "welcome.en-us.wav")
    return root
