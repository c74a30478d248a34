"""The OpenAPI 3.1 document of /api/v1/ (served at /api/v1/openapi.json).

Tests lint it with openapi-spec-validator and test the API against it with Schemathesis.
"""

from __future__ import annotations

from typing import Any

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


SCHEMAS: dict[str, Any] = {
    "Figure": {
        **_obj({"value": NULLABLE_INT, "fewer_than": NULLABLE_INT}),
        "description": (
            "A published count. `value` is null when the count is below `fewer_than` "
            "(SUPPRESS_BELOW): small numbers are never published."
        ),
    },
    "Error": _obj({"error": {"type": "string"}}),
    "Summary": _obj(
        {
            "slug": {"type": "string"},
            "state": {"type": "string", "enum": ["published", "closed"]},
            "title": {"type": "string"},
            "primary_language": {"type": "string"},
            "languages": _list({"type": "string"}),
            "goal": NULLABLE_INT,
            "opens_on": NULLABLE_DATE,
            "closes_on": NULLABLE_DATE,
            "published_at": NULLABLE_DATETIME,
            "closed_at": NULLABLE_DATETIME,
            "url": {"type": "string", "format": "uri"},
        }
    ),
    "Version": _obj(
        {
            "language": {"type": "string"},
            "number": {"type": "integer", "minimum": 1},
            "title": {"type": "string"},
            "content_hash": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "current": {"type": "boolean"},
        }
    ),
    "VersionRef": _obj({"language": {"type": "string"}, "number": {"type": "integer"}}),
}
SCHEMAS["Text"] = _obj(
    {
        **SCHEMAS["Version"]["properties"],
        "demands": _list({"type": "string"}),
        "body_markdown": {"type": "string"},
        "body_html": {"type": "string"},
    }
)
SCHEMAS["Statement"] = _obj(
    {
        **SCHEMAS["Summary"]["properties"],
        "texts": {"type": "object", "additionalProperties": _ref("Text")},
        "versions": _list(_ref("Version")),
    }
)
SCHEMAS["Counts"] = _obj(
    {
        "confirmed": _ref("Figure"),
        "unverified": _ref("Figure"),
        "organisations": _ref("Figure"),
        "goal": NULLABLE_INT,
        "by_version": _obj(
            {
                "versions": _list(
                    _obj(
                        {
                            "language": {"type": "string"},
                            "number": {"type": "integer"},
                            "confirmed": _ref("Figure"),
                        }
                    )
                ),
                "fewer_than": _list(_ref("VersionRef")),
                "other": _ref("Figure"),
            }
        ),
        "suppress_below": {"type": "integer"},
        "log": {"anyOf": [_ref("LogReference"), {"type": "null"}]},
    }
)
# Issue 17: the count log's checkpoint the total (confirmed + paper) matches; null while the
# total is "fewer than" or before the first checkpoint. Cosigned: the latest a witness signed.
_COSIGNED = _obj(
    {
        "tree_size": {"type": "integer"},
        "signed_at": {"type": "string", "format": "date-time"},
        "witnesses": {"type": "integer"},
        "named_witnesses": _list({"type": "string"}),
    }
)
SCHEMAS["LogReference"] = _obj(
    {
        "tree_size": {"type": "integer"},
        "count": {"type": "integer"},
        "signed_at": {"type": "string", "format": "date-time"},
        "matches": {"type": "boolean"},
        "checkpoint": {"type": "string"},
        "witnessed": {"anyOf": [_COSIGNED, {"type": "null"}]},
    }
)
SCHEMAS["Countries"] = _obj(
    {
        "total": _ref("Figure"),
        "countries": _list(
            _obj({"country": {"type": "string"}, "confirmed": {"type": "integer", "minimum": 1}})
        ),
        "fewer_than": _list({"type": "string"}),
        "other": _ref("Figure"),
        "suppress_below": {"type": "integer"},
    }
)
SCHEMAS["Timeline"] = _obj(
    {
        "interval": {"type": "string", "enum": ["hour", "day"]},
        "buckets": _list(
            _obj(
                {
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time"},
                    "confirmed": {"type": "integer", "minimum": 1},
                }
            )
        ),
        "suppress_below": {"type": "integer"},
    }
)
SCHEMAS["Signers"] = _obj(
    {
        "signers": _list(
            _obj(
                {
                    "name": {"type": "string"},
                    "country": {"type": "string"},
                    "city": {"type": "string"},
                    "affiliation": {"type": "string"},
                }
            )
        ),
        "next": {"type": ["string", "null"], "format": "uri"},
    }
)
SCHEMAS["Organisations"] = _obj(
    {
        "organisations": _list(
            _obj(
                {
                    "name": {"type": "string"},
                    "country": {"type": "string"},
                    "kind": {"type": "string"},
                    "website": {"type": "string"},
                    "founding": {"type": "boolean"},
                    "note": {"type": "string"},
                    "approved_at": NULLABLE_DATETIME,
                }
            )
        )
    }
)

HEADERS = {
    "ETag": {"schema": {"type": "string"}},
    "Cache-Control": {"schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}},
}
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,80}$"},
}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "headers": HEADERS,
        "content": {"application/json": {"schema": schema}},
    }


def _get(
    summary: str, schema: str, *, slug: bool = True, params: tuple[dict[str, Any], ...] = ()
) -> dict[str, Any]:
    responses = {"200": _json(summary, _ref(schema)), "304": {"description": "Not modified."}}
    if slug:
        responses["404"] = _json("No public statement with this slug.", _ref("Error"))
    if params:
        responses["400"] = _json("A parameter is not valid.", _ref("Error"))
    return {
        "get": {
            "summary": summary,
            "operationId": schema.lower(),
            "parameters": ([SLUG] if slug else []) + list(params),
            "responses": responses,
        }
    }


INTERVAL = {
    "name": "interval",
    "in": "query",
    "schema": {"type": "string", "enum": ["hour", "day"], "default": "hour"},
}
LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
}
CURSOR = {
    "name": "cursor",
    "in": "query",
    "description": "From `next` of the page before; opaque.",
    "schema": {"type": "string"},
}


def document(site_url: str) -> dict[str, Any]:
    one = "/api/v1/statements/{slug}"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "undersigned open data",
            "version": "1.0.0",
            "description": (
                "Read-only open data about the published statements. Every count below "
                "SUPPRESS_BELOW is published as null with `fewer_than`, and no such count "
                "can be worked out as a difference of published ones. Signers appear only "
                "as each chose to be shown."
            ),
            "license": {"name": "CC0-1.0", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": site_url}],
        "paths": {
            "/api/v1/statements/": _get("Published statements", "Statements", slug=False),
            f"{one}/": _get("One statement, its current texts and its versions", "Statement"),
            f"{one}/counts/": _get("Confirmed and unverified counts, by version", "Counts"),
            f"{one}/countries/": _get("Confirmed signatures by country", "Countries"),
            f"{one}/timeline/": _get(
                "Confirmed signatures over time (UTC)", "Timeline", params=(INTERVAL,)
            ),
            f"{one}/signers/": _get(
                "Public signers, newest first", "Signers", params=(CURSOR, LIMIT)
            ),
            f"{one}/organisations/": _get("Approved organisations", "Organisations"),
        },
        "components": {
            "schemas": {
                **SCHEMAS,
                "Statements": _obj({"statements": _list(_ref("Summary"))}),
            }
        },
    }
