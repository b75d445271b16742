"""User prompt rules (IVR7xx): prompt files, the languages flows need, recordings, usage.

These see every file of a run (scope "set") and the repository's prompt library
(`prompts.dir` of `.ivr-ci.yaml`, default `prompts/`; docs/prompts.md). A repository that
keeps no prompt files gets none of these findings: its prompts live in the org, and the
online preflight checks them there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ivr_ci.flow.placeholders import find_placeholders
from ivr_ci.prompts.audio import NotWav, format_concerns, read_wav_info
from ivr_ci.prompts.load import FILE_RULE
from ivr_ci.prompts.model import PromptFile, PromptResource
from ivr_ci.prompts.usage import PromptUse, audio_prompts, prompt_uses
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import SetContext, key_line
from ivr_ci.rules.menu_common import menu_label

_KEY_ORDER = "1234567890*#"


def _named(ctx: SetContext) -> set[str]:
    """Files of the run: their YAML problems are the loader's findings already."""
    return {os.path.realpath(d.path) for d in ctx.docs}


@rule(
    FILE_RULE, "prompt-file", stage="validate-flow", severity="error", scope="set",
    summary="a prompt file is not valid: YAML, schema, or a name Architect refuses",
    rationale="""
        `prompts/<name>.yaml` holds one user prompt: `prompt: {name, description, resources:
        {<language>: {tts, text, audio}}}` (schema `ivr_ci/schemas/prompt.schema.json`, fields
        of the API's Prompt and PromptAsset models). Architect names prompts with letters,
        digits and underscores, starting with a letter, at most 200 characters
        (help.mypurecloud.com, "Prompts overview" and the bulk prompt import naming rules);
        two files naming the same prompt would overwrite each other on deploy.
    """,
    bad="""
        prompt:
          name: Main Greeting          # a space: Architect refuses the name
          resources:
            en-us: {voice: "Welcome"}  # neither tts nor audio
    """,
    good="""
        prompt:
          name: MainGreeting
          resources:
            en-us: {tts: "Welcome to Acme."}
    """,
)
def prompt_file(ctx: SetContext) -> Iterator[Hit]:
    named = _named(ctx)
    lib = ctx.prompts
    for pf in lib.files:
        in_run = os.path.realpath(pf.path) in named
        for p in pf.problems:
            # a named file's YAML problems (IVR001/IVR002) are the loader's findings already
            if p.rule_id == FILE_RULE or not in_run:
                yield Hit(p.line, p.col, message=p.message, path=pf.path)
    yield from _unresolved(ctx)
    for first, second in lib.duplicates:
        yield Hit(second.name_line, 1, path=second.path, message=(
            f"prompt '{second.name}' is also defined in {first.path}:{first.name_line}; "
            "one file per prompt"))


def _unresolved(ctx: SetContext) -> Iterator[Hit]:
    """`{{key}}` placeholders of prompt files without a value (per environment, as IVR401)."""
    envs = [ctx.env] if ctx.env else sorted(ctx.config.environments)
    if not envs:
        return
    values = {env: ctx.config.substitutions(env) for env in envs}
    for pf in ctx.prompts.files:
        for ph in find_placeholders(pf.template):
            lacking = [env for env in envs if ph.key not in values[env]]
            if lacking:
                yield Hit(ph.line, ph.col, path=pf.path, message=(
                    f"placeholder {{{{{ph.key}}}}} has no value in environment"
                    f"{'s' if len(lacking) > 1 else ''} {', '.join(lacking)}"))


@rule(
    "IVR701", "prompt-undefined", stage="validate-flow", severity="error", scope="set",
    summary="a flow plays a user prompt that is neither defined in the repository nor declared external",
    rationale="""
        Once prompts are kept as code, a `Prompt.X` that no prompt file defines is a prompt
        the release cannot create: the flow's publish fails on the missing reference, or the
        prompt exists in one org only. Define it under the prompts directory or list it in
        `prompts: {external: [...]}` of `.ivr-ci.yaml` when another team manages it (the
        online preflight then checks it exists in the org with the languages needed).
        Repositories without prompt files are not checked.
    """,
    bad="""
        initialGreeting: {exp: "ToAudio(Prompt.Welcom)"}   # prompts/welcome.yaml is Welcome
    """,
    good="""
        initialGreeting: {exp: "ToAudio(Prompt.Welcome)"}
    """,
)
def prompt_undefined(ctx: SetContext) -> Iterator[Hit]:
    lib = ctx.prompts
    if not lib.configured:
        return
    for use in prompt_uses(ctx.docs):
        if lib.find(use.name) is None and not lib.is_external(use.name):
            yield Hit(use.line, use.col, path=use.doc.path, message=(
                f"plays user prompt '{use.name}', which no prompt file defines and prompts.external "
                "does not list"))


@rule(
    "IVR702", "prompt-resource-missing", stage="validate-flow", severity="error", scope="set",
    summary="a flow supporting a language plays a prompt that has no resource in that language",
    rationale="""
        A user prompt holds one resource per language; a caller in a language the prompt
        has no resource for hears silence (or the default language) where the prompt should
        play. Every language in `supportedLanguages` of every flow that plays the prompt needs
        a resource. Reported on the prompt's `resources:`, where the translation belongs.
    """,
    bad="""
        # flows/main.yaml: supportedLanguages: {en-us: ..., es-us: ...}; plays Prompt.Welcome
        prompt:
          name: Welcome
          resources:
            en-us: {tts: "Welcome to Acme."}
    """,
    good="""
        prompt:
          name: Welcome
          resources:
            en-us: {tts: "Welcome to Acme."}
            es-us: {tts: "Bienvenido a Acme."}
    """,
)
def prompt_resource_missing(ctx: SetContext) -> Iterator[Hit]:
    lib = ctx.prompts
    if not lib.by_name:  # no prompt file to miss a resource
        return
    needs: dict[tuple[str, str], list[PromptUse]] = {}
    files: dict[str, PromptFile] = {}
    for use in prompt_uses(ctx.docs):
        pf = lib.find(use.name)
        if pf is None:
            continue
        files[pf.path] = pf
        for lang in use.languages:
            if pf.resource(lang) is None:
                needs.setdefault((pf.path, lang), []).append(use)
    for (path, lang), uses in sorted(needs.items()):
        pf = files[path]
        lines: dict[tuple[str, str], list[int]] = {}
        for u in uses:
            lines.setdefault((str(u.doc.flow.name), u.doc.path), []).append(u.line)  # type: ignore[union-attr]
        flows = [f"'{name}' ({where}:{', '.join(map(str, sorted(set(ls))))})"
                 for (name, where), ls in sorted(lines.items())]
        verb = "supports" if len(flows) == 1 else "support"
        yield Hit(pf.resources_line, pf.resources_col, path=path, message=(
            f"prompt '{pf.name}' has no {lang} resource, but flow {', '.join(flows)} {verb} {lang} "
            f"and play{'s' if len(flows) == 1 else ''} it; add `{lang}: {{tts: ...}}`"))


@rule(
    "IVR703", "prompt-tts-empty", stage="validate-flow", severity="error", scope="set",
    summary="a prompt resource's TTS text is empty",
    rationale="""
        An empty `tts:` plays nothing in that language: callers hear silence where the prompt
        should speak. Remove the key when the resource is a recording, or write the text.
    """,
    bad="""
        es-us: {tts: ""}
    """,
    good="""
        es-us: {tts: "Bienvenido a Acme."}
    """,
)
def prompt_tts_empty(ctx: SetContext) -> Iterator[Hit]:
    for pf in ctx.prompts.files:
        for res in pf.resources.values():
            if res.tts is not None and not res.tts.strip():
                p = res.value_pos("tts")
                yield Hit(p.line if p else res.line, p.col if p else res.col, path=pf.path,
                          message=f"prompt '{pf.name}': the {res.language} TTS text is empty")


@rule(
    "IVR704", "prompt-audio-invalid", stage="validate-flow", severity="error", scope="set",
    summary="a prompt's audio file is missing or is not a WAV recording Genesys accepts",
    rationale="""
        Genesys Cloud takes prompt recordings as `.wav` files of at most 25 MB and fails the
        upload of a file it cannot convert (help.mypurecloud.com, "Prompts overview"). The
        file is looked for relative to the prompt file and its RIFF header is read: a missing
        file, an MP3 renamed `.wav`, a header without `fmt `/`data`, no audio or an oversized
        file would fail the deploy midway.
    """,
    bad="""
        en-us: {audio: audio/welcome.mp3}
    """,
    good="""
        en-us: {audio: audio/welcome.en-us.wav}   # 8 kHz mono µ-law or 16-bit PCM
    """,
)
def prompt_audio_invalid(ctx: SetContext) -> Iterator[Hit]:
    for pf, res, problem, _ in _audio(ctx):
        if problem:
            p = res.value_pos("audio")
            yield Hit(p.line if p else res.line, p.col if p else res.col, path=pf.path, message=(
                f"prompt '{pf.name}' {res.language} audio {res.audio}: {problem}"))


@rule(
    "IVR707", "prompt-audio-format", stage="validate-flow", severity="warning", scope="set",
    summary="a prompt recording uses an encoding, channel count or sample rate Genesys may not convert",
    rationale="""
        Genesys converts uploaded recordings but does not list the encodings it converts.
        Linear PCM, IEEE float, G.711 A-law and µ-law WAV files are the telephony formats and
        convert; ADPCM, GSM or MP3 inside a WAV, more than two channels or a sample rate outside
        8-48 kHz may not. Re-export the recording as 8 kHz mono µ-law or 16-bit PCM.
    """,
    bad="""
        en-us: {audio: audio/welcome.wav}   # IMA ADPCM, 4-bit
    """,
    good="""
        en-us: {audio: audio/welcome.wav}   # PCM, 16-bit, 8000 Hz, mono
    """,
)
def prompt_audio_format(ctx: SetContext) -> Iterator[Hit]:
    for pf, res, problem, concerns in _audio(ctx):
        if not problem and concerns:
            p = res.value_pos("audio")
            yield Hit(p.line if p else res.line, p.col if p else res.col, path=pf.path, message=(
                f"prompt '{pf.name}' {res.language} audio {res.audio}: {'; '.join(concerns)}"))


def _audio(ctx: SetContext) -> list[tuple[PromptFile, PromptResource, str | None, list[str]]]:
    cached = getattr(ctx, "_prompt_audio", None)
    if cached is not None:
        return cached
    out: list[tuple[PromptFile, PromptResource, str | None, list[str]]] = []
    for pf in ctx.prompts.files:
        for res in pf.resources.values():
            path = pf.audio_path(res)
            if path is None or "{{" in (res.audio or ""):
                continue
            try:
                info = read_wav_info(path)
            except FileNotFoundError:
                out.append((pf, res, f"no such file ({os.path.relpath(path)})", []))
            except (OSError, NotWav) as exc:
                out.append((pf, res, getattr(exc, "strerror", None) or str(exc), []))
            else:
                out.append((pf, res, None, format_concerns(info)))
    ctx._prompt_audio = out  # type: ignore[attr-defined]  # both audio rules read one pass
    return out


@rule(
    "IVR705", "prompt-unused", stage="validate-flow", severity="warning", scope="set",
    summary="a prompt file defines a prompt no flow plays",
    rationale="""
        A prompt nobody plays is deployed, translated and reviewed for nothing, and often is
        the old name of a prompt a flow now spells differently. Checked against every flow of
        the run (a pre-commit run loads the configured `flows:` as context). Prompts other
        systems play (agent greetings, scripts) can stay with a
        `# ivr-ci: disable=IVR705` comment in the prompt file.
    """,
    bad="""
        prompt: {name: OldGreeting, resources: {en-us: {tts: "Hello."}}}   # no flow plays it
    """,
    good="""
        # the file is removed, or a flow plays Prompt.OldGreeting
    """,
)
def prompt_unused(ctx: SetContext) -> Iterator[Hit]:
    if not any(d.flow is not None for d in ctx.docs) or not ctx.prompts.files:
        return
    used = {u.name.casefold() for u in prompt_uses(ctx.docs)}
    for pf in ctx.prompts.files:
        if pf.name and "{{" not in pf.name and pf.name.casefold() not in used:
            yield Hit(pf.name_line, 1, path=pf.path, message=(
                f"prompt '{pf.name}' is defined but none of the {sum(1 for d in ctx.docs if d.flow)} "
                "flow(s) checked plays it"))


@rule(
    "IVR706", "prompt-keys-unanswered", stage="lint-menu", severity="warning", scope="set",
    summary="a menu's user prompt announces keys the menu does not answer",
    rationale="""
        IVR110 for recorded prompts: when a menu plays `Prompt.X`, the prompt file's TTS in
        each language is read with IVR110's phrases ("press 3 for...", "pulse 2", "appuyez
        sur 1"), and a key the prompt tells callers to press that no choice of the menu
        answers is reported, per language. Callers pressing it hear the menu again.
    """,
    bad="""
        # prompts/main_menu.yaml  es-us: {tts: "Para ventas, pulse 1. Para soporte, pulse 3."}
        audio: {exp: "ToAudio(Prompt.MainMenu)"}
        choices: [digit_1 -> Sales, digit_2 -> Support]
    """,
    good="""
        # es-us: {tts: "Para ventas, pulse 1. Para soporte, pulse 2."}
    """,
)
def prompt_keys_unanswered(ctx: SetContext) -> Iterator[Hit]:
    lib = ctx.prompts
    if not lib.files:
        return
    from ivr_ci.rules.prompt_text import announced_keys  # its regexes: only with prompt files

    for doc in ctx.docs:
        if doc.flow is None:
            continue
        flow_langs = [lang.lower() for lang in doc.flow.supported_languages]
        for menu in doc.flow.menus:
            prompts = [pf for pf in (lib.find(n) for n in audio_prompts(menu.audio)) if pf is not None]
            if not prompts:
                continue
            offered = {c.digit for c in menu.choices if c.digit is not None}
            langs = flow_langs or sorted({lang for pf in prompts for lang in pf.resources})
            for lang in langs:
                said: set[str] = set()
                sources = []
                for pf in prompts:
                    res = pf.resource(lang)
                    if res is not None and res.tts:
                        said |= announced_keys(res.tts)
                        sources.append(f"{pf.path}:{res.value_line('tts')}")
                missing = said - offered
                if missing:
                    keys = ", ".join(sorted(missing, key=_KEY_ORDER.index))
                    yield Hit(key_line(menu.raw, "audio", menu.line), path=doc.path, message=(
                        f"menu {menu_label(menu)}: the {lang} prompt ({', '.join(sources)}) announces {keys} "
                        "but no choice answers it; make the prompt and the choices agree"))


@rule(
    "IVR708", "prompt-untranslated", stage="validate-flow", severity="warning", scope="set",
    summary="a prompt's TTS in one language is word for word its TTS in another: a translation is missing",
    rationale="""
        The IVR111 family for prompt files: a resource added for a new language by copying the
        default language's text passes every structural check (IVR702 sees a resource), yet
        callers of that language hear the other language read by their language's voice.
        Texts of two words or more that are identical across languages are reported on the
        copy; `ivr-ci translations export --languages ...` lists them for translators.
        Brand names and other texts meant to be the same can keep a
        `# ivr-ci: disable=IVR708` comment.
    """,
    bad="""
        en-us: {tts: "Welcome to Acme."}
        es-us: {tts: "Welcome to Acme."}
    """,
    good="""
        en-us: {tts: "Welcome to Acme."}
        es-us: {tts: "Bienvenido a Acme."}
    """,
)
def prompt_untranslated(ctx: SetContext) -> Iterator[Hit]:
    for pf in ctx.prompts.files:
        first: dict[str, str] = {}
        for res in pf.resources.values():
            text = " ".join((res.tts or "").split())
            if len(text.split()) < 2 or not any(c.isalpha() for c in text):
                continue
            key = text.casefold()
            if key in first:
                p = res.value_pos("tts")
                yield Hit(p.line if p else res.line, p.col if p else res.col, path=pf.path, message=(
                    f"prompt '{pf.name}': the {res.language} TTS is the {first[key]} text word for word; "
                    f"translate it"))
            else:
                first[key] = res.language
