"""User prompts as code (docs/prompts.md): prompt files, the repository's prompt library,
recordings, how flows use prompts, deployment and translations.

* `model`: `PromptFile`, `PromptResource` (positions kept);
* `load`: reading prompt files with the flow YAML loader, `PromptLibrary`, `load_library`;
* `audio`: WAV header checks;
* `usage`: which flows play which prompt, in which languages, from which menus.

The checks are the IVR7xx rule family (`ivr_ci/rules/prompts.py`); deployment is
`ivr_ci/promote/prompts.py`.
"""
