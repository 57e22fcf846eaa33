"""The OpenAPI document and the interactive docs page."""

import re


def test_openapi_document_describes_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    body = spec.json
    assert body["openapi"].startswith("3.")
    assert body["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {path for path in body["paths"]}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        if path.startswith("/api/v1/") and "openapi" not in path and "/docs" not in path:
            assert path in documented, f"{path} missing from the OpenAPI document"


def test_public_operations_need_no_token_and_others_do(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    assert paths["/api/v1/auth/register"]["post"]["security"] == []
    assert paths["/api/v1/health"]["get"]["security"] == []
    assert "security" not in paths["/api/v1/tasks"]["get"]  # inherits the global bearerAuth


def test_incident_ids_are_documented_as_uuids(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/incidents/{public_id}"]
    parameters = operation.get("parameters") or operation["get"]["parameters"]
    [public_id] = [p for p in parameters if p["name"] == "public_id"]
    assert public_id["schema"] == {"type": "string", "format": "uuid"}


def test_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by taskdesk"
        assert client.get(asset).status_code == 200, asset
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_documentation_is_built_on_first_use_not_at_start(database_url):
    from api import create_app
    from api.extensions import api

    fresh = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    assert api._pending_docs, "create_app documented the blueprints eagerly"
    paths = fresh.test_client().get("/api/v1/openapi.json").json["paths"]
    assert api._pending_docs == []
    assert "/api/v1/tasks/{task_id}" in paths and "/api/v1/incidents" in paths
