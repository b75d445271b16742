"""The route table: (method, path template, handler, area).

Areas: `api` (bearer token, Genesys errors), `oauth` (login host errors), `s3` (presigned
URLs: no token, S3 XML errors), `admin` (test helpers, not in the OpenAPI document).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ivr_ci.emulator import oauth
from ivr_ci.emulator import responses as flows
from ivr_ci.emulator import responses_admin as admin
from ivr_ci.emulator import responses_audits as audits
from ivr_ci.emulator import responses_jobs as jobs
from ivr_ci.emulator import responses_lookups as lookups
from ivr_ci.emulator import responses_prompts as prompts
from ivr_ci.emulator.request import Request, Response

Handler = Callable[[Request], Response]

A = "/api/v2"
ROUTES: list[tuple[str, str, Handler, str]] = [
    ("POST", "/oauth/token", oauth.token, "oauth"),
    # flows
    ("GET", f"{A}/flows", flows.get_flows, "api"),
    ("POST", f"{A}/flows", flows.create_flow, "api"),
    ("DELETE", f"{A}/flows", flows.delete_flows, "api"),
    ("GET", f"{A}/flows/lookup", flows.lookup_flows, "api"),
    ("GET", f"{A}/flows/divisionviews", flows.division_views, "api"),
    ("POST", f"{A}/flows/actions/publish", flows.action_publish, "api"),
    ("POST", f"{A}/flows/actions/checkin", flows.action_checkin, "api"),
    ("POST", f"{A}/flows/actions/checkout", flows.action_checkout, "api"),
    ("POST", f"{A}/flows/actions/unlock", flows.action_unlock, "api"),
    ("POST", f"{A}/flows/actions/revert", flows.action_revert, "api"),
    ("POST", f"{A}/flows/actions/deactivate", flows.action_deactivate, "api"),
    ("POST", f"{A}/flows/jobs", jobs.register_import, "api"),
    ("GET", f"{A}/flows/jobs/{{jobId}}", jobs.get_import, "api"),
    ("POST", f"{A}/flows/export/jobs", jobs.register_export, "api"),
    ("GET", f"{A}/flows/export/jobs/{{jobId}}", jobs.get_export, "api"),
    ("POST", f"{A}/flows/validate/jobs", jobs.register_validate, "api"),
    ("GET", f"{A}/flows/validate/jobs/{{jobId}}", jobs.get_validate, "api"),
    ("GET", f"{A}/flows/datatables", lookups.list_data_tables, "api"),
    ("GET", f"{A}/flows/outcomes", lookups.list_outcomes, "api"),
    ("GET", f"{A}/flows/outcomes/{{flowOutcomeId}}", lookups.get_outcome, "api"),
    ("GET", f"{A}/flows/milestones", lookups.list_milestones, "api"),
    ("GET", f"{A}/flows/{{flowId}}", flows.get_flow, "api"),
    ("PUT", f"{A}/flows/{{flowId}}", flows.put_flow, "api"),
    ("DELETE", f"{A}/flows/{{flowId}}", flows.delete_flow, "api"),
    ("GET", f"{A}/flows/{{flowId}}/versions", flows.get_versions, "api"),
    ("POST", f"{A}/flows/{{flowId}}/versions", flows.post_version, "api"),
    ("GET", f"{A}/flows/{{flowId}}/versions/{{versionId}}", flows.get_version, "api"),
    ("GET", f"{A}/flows/{{flowId}}/versions/{{versionId}}/configuration", flows.get_version_configuration, "api"),
    ("GET", f"{A}/flows/{{flowId}}/latestconfiguration", flows.get_latest_configuration, "api"),
    ("POST", f"{A}/flows/{{flowId}}/history", flows.post_history, "api"),
    ("GET", f"{A}/flows/{{flowId}}/history/{{historyId}}", flows.get_history, "api"),
    # lookups
    ("GET", f"{A}/routing/queues", lookups.list_queues, "api"),
    ("GET", f"{A}/routing/queues/{{queueId}}", lookups.get_queue, "api"),
    ("GET", f"{A}/routing/skills", lookups.list_skills, "api"),
    ("GET", f"{A}/routing/languages", lookups.list_languages, "api"),
    ("GET", f"{A}/routing/wrapupcodes", lookups.list_wrapup_codes, "api"),
    # user prompts (responses_prompts.py)
    ("GET", f"{A}/architect/prompts", prompts.list_prompts, "api"),
    ("POST", f"{A}/architect/prompts", prompts.create_prompt, "api"),
    ("GET", f"{A}/architect/prompts/{{promptId}}", prompts.get_prompt, "api"),
    ("PUT", f"{A}/architect/prompts/{{promptId}}", prompts.put_prompt, "api"),
    ("DELETE", f"{A}/architect/prompts/{{promptId}}", prompts.delete_prompt, "api"),
    ("GET", f"{A}/architect/prompts/{{promptId}}/resources", prompts.list_resources, "api"),
    ("POST", f"{A}/architect/prompts/{{promptId}}/resources", prompts.create_resource, "api"),
    ("GET", f"{A}/architect/prompts/{{promptId}}/resources/{{languageCode}}", prompts.get_resource, "api"),
    ("PUT", f"{A}/architect/prompts/{{promptId}}/resources/{{languageCode}}", prompts.put_resource, "api"),
    ("DELETE", f"{A}/architect/prompts/{{promptId}}/resources/{{languageCode}}", prompts.delete_resource, "api"),
    ("DELETE", f"{A}/architect/prompts/{{promptId}}/resources/{{languageCode}}/audio", prompts.delete_audio, "api"),
    ("POST", f"{A}/architect/prompts/{{promptId}}/resources/{{languageCode}}/uploads", prompts.create_upload, "api"),
    ("GET", f"{A}/architect/systemprompts", lookups.list_system_prompts, "api"),
    ("GET", f"{A}/architect/schedulegroups", lookups.list_schedule_groups, "api"),
    ("GET", f"{A}/architect/schedulegroups/{{scheduleGroupId}}", lookups.get_schedule_group, "api"),
    ("GET", f"{A}/architect/schedules", lookups.list_schedules, "api"),
    ("GET", f"{A}/architect/schedules/{{scheduleId}}", lookups.get_schedule, "api"),
    ("GET", f"{A}/architect/ivrs", lookups.list_ivrs, "api"),
    ("GET", f"{A}/integrations/actions", lookups.list_actions, "api"),
    ("GET", f"{A}/integrations/actions/{{actionId}}", lookups.get_action, "api"),
    ("GET", f"{A}/authorization/divisions", lookups.list_divisions, "api"),
    ("GET", f"{A}/organizations/me", lookups.organization_me, "api"),
    ("GET", f"{A}/tokens/me", lookups.token_me, "api"),
    # dependency tracking
    ("GET", f"{A}/architect/dependencytracking", audits.dep_search, "api"),
    ("GET", f"{A}/architect/dependencytracking/build", audits.dep_build_status, "api"),
    ("POST", f"{A}/architect/dependencytracking/build", audits.dep_build, "api"),
    ("GET", f"{A}/architect/dependencytracking/consumedresources", audits.dep_consumed, "api"),
    ("GET", f"{A}/architect/dependencytracking/consumingresources", audits.dep_consuming, "api"),
    ("GET", f"{A}/architect/dependencytracking/object", audits.dep_object, "api"),
    ("GET", f"{A}/architect/dependencytracking/types", audits.dep_types, "api"),
    ("GET", f"{A}/architect/dependencytracking/types/{{typeId}}", audits.dep_type, "api"),
    ("GET", f"{A}/architect/dependencytracking/deletedresourceconsumers", audits.dep_deleted_consumers, "api"),
    ("GET", f"{A}/architect/dependencytracking/updatedresourceconsumers", audits.dep_updated_consumers, "api"),
    # audits and analytics
    ("POST", f"{A}/audits/query", audits.post_query, "api"),
    ("GET", f"{A}/audits/query/servicemapping", audits.get_service_mapping, "api"),
    ("POST", f"{A}/audits/query/realtime", audits.post_realtime, "api"),
    ("POST", f"{A}/audits/query/realtime/related", audits.post_related, "api"),
    ("GET", f"{A}/audits/query/realtime/servicemapping", audits.get_service_mapping, "api"),
    ("GET", f"{A}/audits/query/{{transactionId}}", audits.get_query, "api"),
    ("GET", f"{A}/audits/query/{{transactionId}}/results", audits.get_results, "api"),
    ("POST", f"{A}/analytics/flows/aggregates/query", audits.post_flow_aggregates, "api"),
    # presigned URLs (S3 stand-ins)
    ("PUT", "/__upload/prompt-audio/{uploadId}", prompts.upload_audio, "s3"),
    ("GET", "/__download/prompt-audio/{promptId}/{languageCode}", prompts.download_audio, "s3"),
    ("PUT", "/__upload/{jobId}", jobs.upload, "s3"),
    ("GET", "/__download/audits/{org}/{transactionId}", audits.download_results, "s3"),
    ("GET", "/__download/{jobId}/{fileName}", jobs.download, "s3"),
    # admin
    ("GET", "/__admin/health", admin.health, "admin"),
    ("GET", "/__admin/state", admin.state, "admin"),
    ("POST", "/__admin/ui-edit", admin.ui_edit, "admin"),
    ("POST", "/__admin/lock", admin.lock, "admin"),
    ("GET", "/__admin/clock", admin.clock, "admin"),
    ("POST", "/__admin/clock", admin.clock, "admin"),
    ("POST", "/__admin/audits", admin.audits, "admin"),
    ("GET", "/__admin/faults", admin.faults, "admin"),
    ("POST", "/__admin/faults", admin.faults, "admin"),
    ("DELETE", "/__admin/faults", admin.faults, "admin"),
    ("DELETE", "/__admin/faults/{faultId}", admin.faults, "admin"),
    ("POST", "/__admin/objects", admin.objects, "admin"),
    ("POST", "/__admin/tokens/expire", admin.expire_tokens, "admin"),
    ("GET", "/__admin/settings", admin.settings, "admin"),
    ("POST", "/__admin/settings", admin.settings, "admin"),
    ("GET", "/__admin/exchanges", admin.exchanges, "admin"),
    ("DELETE", "/__admin/exchanges", admin.exchanges, "admin"),
]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    area: str


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


TABLE: list[Route] = [Route(m, t, _compile(t), h, a) for m, t, h, a in ROUTES]


def resolve(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path params, path_known). A known path with another method → (None, {}, True)."""
    known = False
    for route in TABLE:
        m = route.regex.match(path)
        if m is None:
            continue
        known = True
        if route.method == method:
            return route, m.groupdict(), True
    return None, {}, known


def area_of(path: str) -> str:
    if path.startswith("/__admin/"):
        return "admin"
    if path.startswith(("/__upload/", "/__download/")):
        return "s3"
    if path == "/oauth/token":
        return "oauth"
    return "api"
