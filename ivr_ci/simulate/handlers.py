"""The table type action handlers are kept in, and how an action is named in a trace.

`ivr_ci.simulate.actions` (the flow's own actions) and `ivr_ci.simulate.external` (actions whose
result comes from outside the flow) each fill their own table; `ivr_ci.simulate.run` joins them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ivr_ci.flow.model import Action

if TYPE_CHECKING:
    from ivr_ci.simulate.engine import Simulator

Handler = Callable[["Simulator", Action], None]


class HandlerTable(dict[str, Handler]):
    def handles(self, *names: str) -> Callable[[Handler], Handler]:
        def wrap(fn: Handler) -> Handler:
            for n in names:
                self[n] = fn
            return fn
        return wrap


def label(action: Action) -> str:
    return f"{action.type} \"{action.name}\"" if action.name else action.type
