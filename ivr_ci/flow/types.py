"""Flow types as Archy YAML spells them, and what each kind of flow is made of."""

from __future__ import annotations

# YAML top-level key -> platform API flow type (lower case, as /api/v2/flows?type= takes it)
FLOW_TYPES: dict[str, str] = {
    "inboundCall": "inboundcall",
    "outboundCall": "outboundcall",
    "inqueueCall": "inqueuecall",
    "secureCall": "securecall",
    "inboundChat": "inboundchat",
    "inboundEmail": "inboundemail",
    "inboundShortMessage": "inboundshortmessage",
    "inqueueEmail": "inqueueemail",
    "inqueueShortMessage": "inqueueshortmessage",
    "commonModule": "commonmodule",
    "botFlow": "bot",
    "digitalBot": "digitalbot",
    "workflow": "workflow",
    "workitem": "workitem",
    "surveyInvite": "surveyinvite",
    "voicemail": "voicemail",
    "voice": "voice",
    "voiceSurvey": "voicesurvey",
}
YAML_TYPE_BY_API = {v: k for k, v in FLOW_TYPES.items()}

# Misspellings people make, so an unknown key gets a useful hint.
TYPE_HINTS = {"inQueueCall": "inqueueCall", "bot": "botFlow", "InboundCall": "inboundCall"}

VOICE_TYPES = frozenset({"inboundCall", "outboundCall", "inqueueCall", "secureCall", "voicemail", "voice"})
MENU_TYPES = frozenset({"inboundCall", "outboundCall", "secureCall"})
# Flows that start from a list of actions instead of a startUpRef.
STARTUP_ACTION_TYPES = frozenset({"inqueueCall", "commonModule"})
# In-queue email/message flows: a `startUpState` run on entering the queue and a `periodicState`
# run again while waiting (the Terraform provider's acceptance tests publish them; docs/flow-types.md).
STARTUP_STATE_TYPES = frozenset({"inqueueEmail", "inqueueShortMessage"})
ENTRY_STATE_KEYS = ("startUpState", "periodicState")
# Types no published Archy file shows: only the shape every flow shares is checked.
UNATTESTED_TYPES = frozenset({"voicemail", "voice", "voiceSurvey"})
# Types that start at a `startUpRef`.
START_REF_TYPES = frozenset(FLOW_TYPES) - STARTUP_ACTION_TYPES - STARTUP_STATE_TYPES - UNATTESTED_TYPES

# Actions after which nothing else in the same list runs.
TERMINAL_ACTIONS = frozenset({
    "disconnect", "transferToAcd", "transferToUser", "transferToGroup", "transferToNumber",
    "transferToVoicemail", "transferToFlow", "transferToFlowSecure", "jumpToMenu", "jumpToTask",
    "previousMenu", "endTask", "endWorkflow", "exitBotFlow", "changeState", "loopNext", "loopExit",
    "disconnectWorkitem", "exitWorkitemFlow", "endFlow", "completeSurveyInvite", "abortSurveyInvite",
    "endState", "repeatMenu", "returnToMenu",
})

# Actions (and menu choices) that hand the caller to a person.
LIVE_AGENT_ACTIONS = frozenset({
    "transferToAcd", "transferToUser", "transferToGroup", "transferToNumber",
    "menuTransferToAcd", "menuTransferUser", "menuTransferGroup", "menuTransferExternal",
    "menuTransferToUser", "menuTransferToNumber", "menuTransferToGroup", "callbackTransfer",
})

MENU_CHOICE_KINDS = frozenset({
    "menuDisconnect", "menuTask", "menuTransferToAcd", "menuJumpToTask", "menuJumpToMenu",
    "menuSubMenu", "menuMenu", "menuPreviousMenu", "menuRepeatMenu", "menuTransferToNumber",
    "menuTransferExternal", "menuTransferToUser", "menuTransferUser", "menuTransferGroup",
    "menuTransferToVoicemail", "menuTransferVoicemail", "menuTransferFlow",
    "menuTransferFlowSecure", "menuDialExtension", "menuDialName", "menuShowKnowledgeArticle",
})

# Reference-valued keys that point inside the same file (refIds).
REF_KEYS = frozenset({"startUpRef", "targetTaskRef", "targetStateRef", "targetMenuRef",
                      "defaultChildMenuRef", "targetBotRef"})


def api_type(yaml_type: str) -> str:
    return FLOW_TYPES.get(yaml_type, yaml_type.lower())


def yaml_type(api: str) -> str:
    return YAML_TYPE_BY_API.get(api.lower(), api)
