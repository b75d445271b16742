"""Is a recording a WAV file Genesys Cloud will take? Read from its RIFF header (stdlib `struct`).

What Genesys documents (help.mypurecloud.com/?p=6082, "Prompts overview"): prompt audio
files should be `.wav`; Architect converts an upload to a playable format and the upload
fails when it cannot; the file size limit is 25 MB. The encodings it converts are not
listed. ivr-ci therefore:

* rejects (error) what cannot work: a missing or unreadable file, a file that is not a RIFF
  WAVE (an MP3 renamed `.wav`), no `fmt `/`data` chunk, no audio, over 25 MB;
* warns about what may not convert or sounds worse than it need: an encoding other than
  linear PCM (8/16/24/32-bit), IEEE float, G.711 A-law or µ-law (format tags 1, 3, 6, 7, or
  WAVE_FORMAT_EXTENSIBLE wrapping one of them, per Microsoft's mmreg.h tags), more than two
  channels, or a sample rate outside 8-48 kHz. Telephony plays G.711 at 8 kHz, mono.

The standard library's `wave` module only opens PCM, so the chunks are walked with `struct`.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

MAX_BYTES = 25 * 1024 * 1024  # Genesys: "The file size is limited to 25MB"
# WAVE format tags (mmreg.h) -> name; the first four are the ones Genesys is known to convert
ACCEPTED_TAGS = {1: "PCM", 3: "IEEE float", 6: "A-law", 7: "µ-law"}
KNOWN_TAGS = {**ACCEPTED_TAGS, 2: "MS ADPCM", 0x11: "IMA ADPCM", 0x31: "GSM 6.10", 0x55: "MP3",
              0x40: "G.721 ADPCM", 0x64: "G.726 ADPCM", 0x65: "G.722 ADPCM"}
EXTENSIBLE = 0xFFFE


@dataclass
class WavInfo:
    format_tag: int
    channels: int
    sample_rate: int
    bits_per_sample: int
    data_bytes: int

    @property
    def encoding(self) -> str:
        return KNOWN_TAGS.get(self.format_tag, f"format tag 0x{self.format_tag:04x}")

    @property
    def seconds(self) -> float:
        rate = self.sample_rate * self.channels * max(1, self.bits_per_sample // 8)
        return self.data_bytes / rate if rate else 0.0

    def describe(self) -> str:
        return (f"{self.encoding}, {self.bits_per_sample}-bit, {self.sample_rate} Hz, "
                f"{'mono' if self.channels == 1 else f'{self.channels} channels'}")


class NotWav(ValueError):
    """The file is not a WAV file Genesys could take (the message says why)."""


def read_wav_info(path: str) -> WavInfo:
    """The format of a WAV file; raises NotWav (or OSError when unreadable)."""
    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise NotWav(f"{size / 1024 / 1024:.1f} MB is over Genesys's 25 MB limit for prompt audio")
    with open(path, "rb") as fh:
        header = fh.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            kind = "an MP3 file" if header[:3] == b"ID3" or header[:2] in (b"\xff\xfb", b"\xff\xf3") else \
                "empty" if not header else "not a RIFF WAVE file"
            raise NotWav(f"{kind}: Genesys prompt audio must be a .wav recording")
        fmt: tuple[int, int, int, int] | None = None
        data_bytes: int | None = None
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                break
            cid, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                body = fh.read(length)
                if len(body) < 16:
                    raise NotWav("the `fmt ` chunk is truncated")
                tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == EXTENSIBLE and len(body) >= 26:
                    tag = struct.unpack("<H", body[24:26])[0]  # first two bytes of the SubFormat GUID
                fmt = (tag, channels, rate, bits)
                if length % 2:
                    fh.seek(1, os.SEEK_CUR)
            elif cid == b"data":
                data_bytes = min(length, max(0, size - fh.tell()))
                break
            else:
                fh.seek(length + (length % 2), os.SEEK_CUR)
    if fmt is None:
        raise NotWav("no `fmt ` chunk: the WAV header is incomplete")
    if not data_bytes:
        raise NotWav("no audio (the `data` chunk is missing or empty)")
    return WavInfo(fmt[0], fmt[1], fmt[2], fmt[3], data_bytes)


def format_concerns(info: WavInfo) -> list[str]:
    """Reasons the recording may not convert, or will sound worse than needed (warnings)."""
    out = []
    if info.format_tag not in ACCEPTED_TAGS:
        out.append(f"encoding {info.encoding} is not PCM, IEEE float, A-law or µ-law; Genesys may not convert it")
    if not 1 <= info.channels <= 2:
        out.append(f"{info.channels} channels: telephony audio is mono")
    if not 8000 <= info.sample_rate <= 48000:
        out.append(f"sample rate {info.sample_rate} Hz is outside 8-48 kHz")
    return out
