"""Behaviour of the OpenAPI 3.0 traffic validator against the real reference subsets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.openapi_check import (
    OWN_REFERENCE,
    OpenApiDoc,
    ReferenceMissing,
    genesys_extensions,
    reference_path,
)


# resolved when a test runs, not at import: a missing file fails those tests (ReferenceMissing)
def github_subset() -> Path:
    return reference_path("github-openapi-subset.json")


def genesys_subset() -> Path:
    return reference_path("genesys-openapi-subset.json")

COMMENTS = "/repos/acme/ivr/issues/7/comments"


def _user(login: str = "github-actions[bot]") -> dict:
    base = "https://api.github.com/users/" + login
    return {
        "login": login, "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=", "avatar_url": base,
        "gravatar_id": "", "url": base, "html_url": base, "followers_url": base,
        "following_url": base, "gists_url": base, "starred_url": base, "subscriptions_url": base,
        "organizations_url": base, "repos_url": base, "events_url": base,
        "received_events_url": base, "type": "Bot", "site_admin": False,
    }


def _comment(**over: object) -> dict:
    c = {
        "id": 1, "node_id": "IC_1", "url": "u", "html_url": "h", "issue_url": "i", "body": "b",
        "user": _user(), "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
        "author_association": "NONE", "performed_via_github_app": None,
    }
    c.update(over)
    return c


@pytest.fixture(scope="module")
def gh() -> OpenApiDoc:
    return OpenApiDoc.load(github_subset())


@pytest.fixture(scope="module")
def gen() -> OpenApiDoc:
    return OpenApiDoc.load(genesys_subset())


def test_references_are_found_in_the_checkout_or_beside_it() -> None:
    # the repository's own reference/ first (GitHub's subset, extended), ../shared for the rest
    assert github_subset() == OWN_REFERENCE / "github-openapi-subset.json"
    assert genesys_subset().is_file() and genesys_subset().parent != OWN_REFERENCE
    assert [p.name for p in genesys_extensions()] == ["genesys-openapi-prompts.json"]


def test_a_missing_reference_is_an_error_naming_where_it_looked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IVR_CI_REFERENCE_DIR", str(tmp_path))
    with pytest.raises(ReferenceMissing) as err:
        reference_path("no-such-subset.json")
    assert str(OWN_REFERENCE) in str(err.value) and str(tmp_path) in str(err.value)
    assert "shared" in str(err.value)
    (tmp_path / "no-such-subset.json").write_text("{}")
    assert reference_path("no-such-subset.json") == tmp_path / "no-such-subset.json"


def test_load_is_cached_per_file(gh: OpenApiDoc) -> None:
    assert OpenApiDoc.load(github_subset()) is gh
    assert OpenApiDoc.load(github_subset(), strip_prefix="/api/v3") is not gh


def test_match_templates_and_decodes_path_params(gh: OpenApiDoc) -> None:
    op, params = gh.match("get", "/repos/acme/my%20repo/issues/7/comments?page=2")
    assert op.operation_id == "issues/list-comments"
    assert params == {"owner": "acme", "repo": "my repo", "issue_number": "7"}
    op, params = gh.match("PATCH", "https://api.github.com/repos/a/b/issues/comments/99")
    assert (op.operation_id, params["comment_id"]) == ("issues/update-comment", "99")
    assert gh.match("PUT", COMMENTS) is None
    assert gh.match("GET", "/repos/a/b/issues") is None


def test_strip_prefix_for_ghes_style_base() -> None:
    doc = OpenApiDoc.load(github_subset(), strip_prefix="/api/v3")
    assert doc.match("GET", "/api/v3/repos/a/b/pulls/3/files")[0].operation_id == "pulls/list-files"


def test_most_specific_template_wins(gen: OpenApiDoc) -> None:
    assert gen.match("GET", "/api/v2/flows/jobs/abc")[0].operation_id == "getFlowsJob"
    assert gen.match("GET", "/api/v2/flows/f-1")[0].operation_id == "getFlow"
    # like a router: the literal route exists but lacks the method -> no fallback to {flowId}
    assert gen.match("DELETE", "/api/v2/flows/jobs") is None


def test_valid_requests_have_no_problems(gh: OpenApiDoc) -> None:
    assert gh.check_request("GET", COMMENTS, {"per_page": ["100"], "page": "2"}) == []
    assert gh.check_request("POST", COMMENTS, {}, {"body": "hello"}) == []
    assert gh.check_request("POST", COMMENTS, {}, b'{"body": "raw bytes"}', "application/json") == []
    assert gh.check_request("DELETE", "/repos/a/b/issues/comments/5", {}, None) == []


def test_request_problems(gh: OpenApiDoc) -> None:
    probs = gh.check_request("GET", COMMENTS, {"page": "two", "colour": "red", "per_page": ["1", "2"]})
    assert any("'page'" in p and "not of type 'integer'" in p for p in probs)
    assert any("unknown query parameter 'colour'" in p for p in probs)
    assert any("'per_page' given 2 times" in p for p in probs)
    assert any("request body is required" in p for p in gh.check_request("POST", COMMENTS, {}, None))
    assert any("$.body" in p for p in gh.check_request("POST", COMMENTS, {}, {"body": 5}))
    assert any("'body' is a required" in p for p in gh.check_request("POST", COMMENTS, {}, {}))
    assert any("not valid JSON" in p for p in gh.check_request("POST", COMMENTS, {}, b"{nope"))
    bad_path = gh.check_request("GET", "/repos/a/b/issues/seven/comments", {})
    assert any("path parameter 'issue_number'" in p for p in bad_path)
    assert "method not declared" in gh.check_request("PUT", COMMENTS, {})[0]
    assert "no path template" in gh.check_request("GET", "/user", {})[0]
    assert "unexpected request body" in gh.check_request("DELETE", "/repos/a/b/issues/comments/5", {}, {"x": 1})[0]


def test_required_query_param(gen: OpenApiDoc) -> None:
    doc = gen.document["paths"]
    required = [
        (p, m, prm["name"]) for p, item in doc.items() for m, op in item.items() if isinstance(op, dict)
        for prm in op.get("parameters", []) if prm.get("in") == "query" and prm.get("required")
    ]
    assert required, "the Genesys subset declares required query parameters"
    path, method, name = required[0]
    probs = gen.check_request(method, path.replace("{", "x").replace("}", "x"), {})
    assert any(f"'{name}' is required" in p for p in probs)


def test_query_arrays_and_enums(gen: OpenApiDoc) -> None:
    assert gen.check_request("GET", "/api/v2/flows", {"type": ["inboundcall", "bot"], "pageSize": "50"}) == []
    probs = gen.check_request("GET", "/api/v2/flows", {"type": ["inboundcall", "bogus"]})
    assert len(probs) == 1 and "$[1]" in probs[0] and "'bogus' is not one of" in probs[0]


def test_form_encoded_body(gen: OpenApiDoc) -> None:
    ct = "application/x-www-form-urlencoded"
    assert gen.check_request("POST", "/oauth/token", {}, {"grant_type": "client_credentials"}, ct) == []
    assert "not declared" in gen.check_request("POST", "/oauth/token", {}, {"a": 1}, "text/plain")[0]


def test_responses(gh: OpenApiDoc) -> None:
    ok = _comment()
    assert gh.check_response("GET", "/repos/a/b/issues/comments/1", 200, ok) == []
    assert gh.check_response("GET", COMMENTS, 200, [ok, _comment(id=2)], "application/json; charset=utf-8") == []
    assert gh.check_response("DELETE", "/repos/a/b/issues/comments/1", 204, None) == []
    assert gh.check_response("GET", COMMENTS, 404, {"message": "Not Found"}) == []
    assert "status 200 not declared" in gh.check_response("DELETE", "/repos/a/b/issues/comments/1", 200)[0]
    assert "present but none declared" in gh.check_response("DELETE", "/repos/a/b/issues/comments/1", 204, {"x": 1})[0]
    assert "missing" in gh.check_response("GET", COMMENTS, 200, None)[0]
    missing = gh.check_response("GET", "/repos/a/b/issues/comments/1", 200, {"id": 1})
    assert any("'node_id' is a required property" in p for p in missing)
    deep = gh.check_response("GET", COMMENTS, 200, [ok, _comment(id="x")])
    assert len(deep) == 1 and "$[1].id" in deep[0]


def test_nullable_and_refs(gh: OpenApiDoc) -> None:
    # nullable-simple-user / nullable-integration: null is fine, a wrong type is not
    assert gh.check_response("GET", "/repos/a/b/issues/comments/1", 200, _comment(user=None)) == []
    assert gh.check_response("GET", "/repos/a/b/issues/comments/1", 200, _comment(user="bob")) != []
    # body is a plain (non-nullable) string
    assert gh.check_response("GET", "/repos/a/b/issues/comments/1", 200, _comment(body=None)) != []
    # a $ref'd response (validation_failed) with a oneOf inside
    err = {"message": "Validation Failed", "documentation_url": "d",
           "errors": [{"code": "custom", "field": "body", "value": "x"}]}
    assert gh.check_response("POST", COMMENTS, 422, err) == []
    bad = dict(err, errors=[{"code": "custom", "value": {"an": "object"}}])
    assert any("errors[0].value" in p for p in gh.check_response("POST", COMMENTS, 422, bad))


def test_default_response_and_ranges() -> None:
    doc = OpenApiDoc({
        "openapi": "3.0.3", "paths": {"/x": {"get": {"responses": {
            "2XX": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer"}}}},
            "default": {"description": "err", "content": {"application/json": {"schema": {
                "type": "object", "nullable": True, "required": ["m"]}}}},
        }}}},
    })
    assert doc.check_response("GET", "/x", 203, 5) == []
    assert doc.check_response("GET", "/x", 500, {"m": 1}) == []
    assert doc.check_response("GET", "/x", 500, {}) != []


def test_every_genesys_response_schema_compiles_and_is_cached(gen: OpenApiDoc) -> None:
    seen = 0
    for path, item in gen.document["paths"].items():
        concrete = path.replace("{", "x").replace("}", "x")
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for code in op["responses"]:
                gen.check_response(method, concrete, int(code), json.dumps({"probe": True}))
                seen += 1
    assert seen > 800
    start = time.perf_counter()
    for _ in range(200):
        gen.check_response("GET", "/api/v2/flows", 200, {"entities": [{"id": "f", "name": "Main"}]})
    assert time.perf_counter() - start < 2.0
    wrong = gen.check_response("GET", "/api/v2/flows", 200, {"entities": [{"id": 3, "name": "Main"}]})
    assert wrong and "$.entities[0].id" in wrong[0]
