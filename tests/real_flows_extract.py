"""Extract the Archy flows a terraform-provider-genesyscloud checkout holds (not a test module).

The provider's acceptance tests publish flows written as Go string literals; its examples and
test data hold YAML files. This writes each distinct flow to OUT_DIR (one file, with a `# source:`
line) and, given the corpus directory, leaves out the ones the corpus already has, so
`ivr-ci validate-flow OUT_DIR` measures flows the project was not built from
(docs/flow-types.md). Strings indented with tabs are Go unit-test mocks, never published.

    python tests/real_flows_extract.py PROVIDER_CHECKOUT OUT_DIR [CORPUS_DIR]
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

TYPES = ("inboundCall|outboundCall|inqueueCall|secureCall|inboundChat|inboundEmail|inboundShortMessage|"
         "inqueueEmail|inqueueShortMessage|commonModule|botFlow|digitalBot|workflow|workitem|surveyInvite|"
         "voicemail|voice|voiceSurvey")
_TOP = re.compile(rf"^({TYPES}):\s*$", re.M)
# getBasicInQueueCallFlow formats its TTS block into the second %s (as it does outside us-west-2)
_TTS = "textToSpeech:\n        defaultEngine:\n          voice: Jill"


def _fill(text: str) -> str:
    lines = text.split("\n")
    out = []
    seen_name = False
    for line in lines:
        if "%s" in line and line.strip() == "%s":
            line = line.replace("%s", _TTS)
        elif "%s" in line:
            line = line.replace("%s", "Home" if "division" in line else
                                ("TF Test Flow" if not seen_name else "x"))
            seen_name = seen_name or "name:" in line
        out.append(line.replace("%v", "x"))
    return "\n".join(out).lstrip("\n")


def flows_in(repo: str) -> list[tuple[str, str]]:
    names = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    found = []
    for name in names:
        if not re.search(r"\.(ya?ml|go|tftpl)$", name) or name.startswith("examples/examples-generator"):
            continue
        text = subprocess.run(["git", "-C", repo, "show", f"HEAD:{name}"], capture_output=True,
                              text=True).stdout
        if not name.endswith(".go"):
            if re.search(rf"^({TYPES}):", text, re.M):
                found.append((name, text))
            continue
        for m in re.finditer(r"`([^`]*)`", text):
            if _TOP.search(m.group(1)) and "startUp" in m.group(1):
                found.append((name, _fill(m.group(1))))
        for m in re.finditer(rf'"((?:{TYPES}):\\n(?:[^"\\]|\\.)*)"', text):
            found.append((name, _fill(m.group(1).encode().decode("unicode_escape"))))
    return [(n, t) for n, t in found if "\t" not in t]


def main(argv: list[str]) -> int:
    repo, out = argv[1], argv[2]
    known = set()
    if len(argv) > 3:
        for entry in os.scandir(argv[3]):
            if entry.name.endswith((".yaml", ".yml")):
                with open(entry.path, encoding="utf-8", errors="replace") as fh:
                    known.add("".join(fh.read().split()))
    os.makedirs(out, exist_ok=True)
    written = in_corpus = 0
    seen = set()
    for name, text in flows_in(repo):
        key = "".join(text.split())
        if key in seen:
            continue
        seen.add(key)
        if key in known:
            in_corpus += 1
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        stem = re.sub(r"[^A-Za-z0-9]+", "_", name)[-70:]
        with open(os.path.join(out, f"{stem}_{digest}.yaml"), "w", encoding="utf-8") as fh:
            fh.write(f"# source: MyPureCloud/terraform-provider-genesyscloud {name}\n{text}")
        written += 1
    print(f"{written} flows written to {out}; {in_corpus} already in the corpus")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
