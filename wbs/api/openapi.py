"""The OpenAPI 3.1 description of API v1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wbs.case_actions import FORWARD_DESTINATIONS, REJECTION_REASONS
from wbs.intake import HOW_KNOWN
from wbs.stats_queries import SEVERITY_WEIGHTS, STATUSES

_ERROR = {"$ref": "#/components/schemas/Error"}
_COUNT = {"$ref": "#/components/schemas/Count"}
_NUMBER_OR_NULL = {"type": ["number", "null"]}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _named_list(key: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"type": "array", "items": {"$ref": "#/components/schemas/Named"}}},
    }


def _counts_by(keys: Any, description: str) -> dict[str, Any]:
    """A map of counts: every known key is present; "unknown" may be added for NULLs."""
    return {
        "type": "object",
        "description": description,
        "required": list(keys),
        "properties": {key: _COUNT for key in keys},
        "additionalProperties": _COUNT,
    }


# The patterns say what the server accepts, to the character: the server strips what
# Python's str.strip() and re's \s call whitespace, and a client or a schema-based test
# generating from these patterns with Python semantics stays within it.
_YEAR_PATTERN = "(?:20[0-9]{2}|2100)"  # wbs.stats_periods.MIN_YEAR .. MAX_YEAR
_DAY = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": f"^{_YEAR_PATTERN}-"},
        {"type": "string", "pattern": "^\\s*$"},
    ]
}


def _period_parameters(
    agency_codes: Sequence[str], category_codes: Sequence[str]
) -> list[dict[str, Any]]:
    def query(name: str, description: str, example: str | None, schema: Any) -> dict[str, Any]:
        parameter = {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
        }
        if example is not None:
            parameter["example"] = example
        return parameter

    def optional_code(codes: Sequence[str]) -> dict[str, Any]:
        # "" (or no parameter) means every agency or category.
        schema = _code("", codes)
        del schema["description"]
        if "enum" in schema:
            schema["enum"] = ["", *schema["enum"]]
        return schema

    period = f"^\\s*(?:{_YEAR_PATTERN}(?:-[Qq][1-4]|-(?:0[1-9]|1[0-2]))?|[Aa][Ll][Ll])?\\s*$"
    return [
        query(
            "period",
            "A year (2026), a quarter (2026-Q3), a month (2026-07) or `all` (every year "
            "with cases), years 2000 to 2100. Default: the current year. Not together "
            "with from/until.",
            "2026-Q3",
            {"type": "string", "pattern": period},
        ),
        query(
            "from",
            # No example here: the examples of all parameters are sent together, and a
            # range does not go with the period's example.
            "First day of a range (YYYY-MM-DD, for example 2026-01-15), with until and "
            "without period; at most ten years.",
            None,
            _DAY,
        ),
        query(
            "until",
            "Last day of a range (YYYY-MM-DD, for example 2026-04-30), included.",
            None,
            _DAY,
        ),
        query(
            "agency",
            "Only cases about this agency: a code from /agencies.",
            "DINKES",
            optional_code(agency_codes),
        ),
        query(
            "category",
            "Only cases of this kind: a code from /categories.",
            "korupsi",
            optional_code(category_codes),
        ),
    ]


def _stats_operation(agency_codes: Sequence[str], category_codes: Sequence[str]) -> dict[str, Any]:
    return {
        "operationId": "getStatistics",
        "summary": "Aggregate figures of the leadership dashboard for a period",
        "description": "The cases received in the period (the cohort), by status, outcome, "
        "agency, category and month; handling times; today's backlog; overdue cases over "
        "time; the agency ranking by weighted findings. Counts from 1 to threshold - 1 are "
        "never published, nor counts that a published total would give them back from. "
        "For staff holding the leadership, supervisor or admin role: a personal API token "
        "(created under My account, API tokens) or a staff login session. Each call with a "
        "token is recorded in the audit log.",
        "security": [{"bearerToken": []}, {"staffSession": []}],
        "parameters": _period_parameters(agency_codes, category_codes),
        "responses": {
            "200": {
                "description": "The protected figures",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Statistics"}}
                },
            },
            "400": _error_response(
                "The period or a filter cannot be used: error.code is invalid_period, "
                "unknown_agency or unknown_category, error.reason the precise reason"
            ),
            "401": _error_response(
                "No credentials, or a token that is unknown, revoked or expired, or whose "
                "account is disabled (see the WWW-Authenticate header)"
            ),
            "403": _error_response("The account holds none of the roles allowed"),
        },
    }


def _statistics_schemas() -> dict[str, Any]:
    text = {"type": "string"}
    date = {"type": "string", "format": "date"}
    integer = {"type": "integer"}
    named_filter = {
        "type": ["object", "null"],
        "required": ["code", "name", "name_en"],
        "properties": {"code": text, "name": text, "name_en": text},
    }
    row_counts = {"received": _COUNT, "substantiated": _COUNT, "closed": _COUNT}
    handling = {
        "type": "object",
        "required": ["cases", "median_days", "p90_days"],
        "properties": {
            "cases": _COUNT,
            "median_days": _NUMBER_OR_NULL,
            "p90_days": _NUMBER_OR_NULL,
        },
    }
    return {
        "Count": {
            "type": "object",
            "description": "A published count {value: 7}, or a suppressed one {value: null, "
            'suppressed: "small", display: "< 3"} (1 to threshold - 1) or {value: null, '
            'suppressed: "complementary", display: "x"} (hidden so that a total does not '
            "give a small count back).",
            "required": ["value"],
            "properties": {
                "value": {"type": ["integer", "null"], "minimum": 0},
                "suppressed": {"type": "string", "enum": ["small", "complementary"]},
                "display": {"type": "string"},
            },
        },
        "Breakdown": {
            "type": "object",
            "required": ["rows", "total"],
            "properties": {
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key", "label", "label_en", *row_counts],
                        "properties": {
                            "key": {
                                "type": "string",
                                "description": "agency or category code, or YYYY-MM",
                            },
                            "label": {"type": "string", "description": "Indonesian name"},
                            "label_en": {"type": "string", "description": "English name"},
                            **row_counts,
                        },
                    },
                },
                "total": {
                    "type": "object",
                    "required": list(row_counts),
                    "properties": row_counts,
                },
            },
        },
        "Statistics": {
            "type": "object",
            "required": [
                "period",
                "filters",
                "threshold",
                "generated_for",
                "overview",
                "by_agency",
                "by_category",
                "by_month",
                "handling_times",
                "backlog",
                "overdue_history",
                "agency_ranking",
            ],
            "properties": {
                "period": {
                    "type": "object",
                    "required": ["key", "kind", "start", "end"],
                    "properties": {
                        "key": {
                            "type": "string",
                            "description": "2026, 2026-Q3, 2026-07, all, or 2026-01-15..2026-04-30",
                        },
                        "kind": {
                            "type": "string",
                            "enum": ["year", "quarter", "month", "range", "all"],
                        },
                        "start": date,
                        "end": date,
                    },
                },
                "filters": {
                    "type": "object",
                    "required": ["agency", "category"],
                    "properties": {"agency": named_filter, "category": named_filter},
                },
                "threshold": {
                    "type": "integer",
                    "description": "Counts from 1 to threshold - 1 are suppressed",
                },
                "generated_for": {
                    "type": "string",
                    "format": "date",
                    "description": "Today, the day the backlog is counted on",
                },
                "overview": {
                    "type": "object",
                    "required": [
                        "received",
                        "by_status",
                        "substantiated",
                        "not_substantiated",
                        "forwarded",
                        "forwarded_by_destination",
                        "rejected",
                        "rejected_by_reason",
                    ],
                    "properties": {
                        "received": _COUNT,
                        "by_status": _counts_by(STATUSES, "Cases of the cohort by current status"),
                        "substantiated": _COUNT,
                        "not_substantiated": _COUNT,
                        "forwarded": _COUNT,
                        "forwarded_by_destination": _counts_by(
                            FORWARD_DESTINATIONS, "Forwarded cases by destination"
                        ),
                        "rejected": _COUNT,
                        "rejected_by_reason": _counts_by(
                            REJECTION_REASONS, "Rejected cases by reason"
                        ),
                    },
                },
                "by_agency": {"$ref": "#/components/schemas/Breakdown"},
                "by_category": {"$ref": "#/components/schemas/Breakdown"},
                "by_month": {"$ref": "#/components/schemas/Breakdown"},
                "handling_times": {
                    "type": "object",
                    "description": "Calendar days from receipt to each milestone: median "
                    "and 90th percentile; null when too few cases reached it",
                    "required": ["acknowledgement", "first_feedback", "closure"],
                    "properties": {
                        "acknowledgement": handling,
                        "first_feedback": handling,
                        "closure": handling,
                    },
                },
                "backlog": {
                    "type": "object",
                    "description": "Cases not closed today, whenever received",
                    "required": ["today", "stages", "open", "overdue", "overdue_share"],
                    "properties": {
                        "today": date,
                        "stages": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["status", "open", "overdue"],
                                "properties": {"status": text, "open": _COUNT, "overdue": _COUNT},
                            },
                        },
                        "open": _COUNT,
                        "overdue": _COUNT,
                        "overdue_share": _NUMBER_OR_NULL,
                    },
                },
                "overdue_history": {
                    "type": "object",
                    "required": ["points"],
                    "properties": {
                        "points": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["key", "day", "open", "overdue", "overdue_share"],
                                "properties": {
                                    "key": {"type": "string", "description": "YYYY-MM"},
                                    "day": {"type": ["string", "null"], "format": "date"},
                                    "open": _COUNT,
                                    "overdue": _COUNT,
                                    "overdue_share": _NUMBER_OR_NULL,
                                },
                            },
                        }
                    },
                },
                "agency_ranking": {
                    "type": "object",
                    "required": ["weights", "scores"],
                    "properties": {
                        "weights": {
                            "type": "object",
                            "required": list(SEVERITY_WEIGHTS),
                            "properties": {severity: integer for severity in SEVERITY_WEIGHTS},
                        },
                        "scores": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": [
                                    "code",
                                    "name",
                                    "substantiated",
                                    *SEVERITY_WEIGHTS,
                                    "weighted_findings",
                                    "follow_up_done",
                                    "follow_up_rate",
                                ],
                                "properties": {
                                    "code": text,
                                    "name": text,
                                    "substantiated": _COUNT,
                                    **{severity: _COUNT for severity in SEVERITY_WEIGHTS},
                                    "weighted_findings": _COUNT,
                                    "follow_up_done": _COUNT,
                                    "follow_up_rate": _NUMBER_OR_NULL,
                                },
                            },
                        },
                    },
                },
            },
        },
    }


def _code(description: str, codes: Sequence[str]) -> dict[str, Any]:
    """A reference code; the active codes are listed, so that a client (and a schema
    based test) knows which values are accepted today."""
    schema: dict[str, Any] = {"type": "string", "description": description}
    if codes:
        schema["enum"] = list(codes)
    return schema


def _report_input(agency_codes: Sequence[str], category_codes: Sequence[str]) -> dict[str, Any]:
    """A report as wbs.public.forms.ReportForm accepts it. An optional field may be
    left out, null or empty; a date must not be in the future, and incident_until needs
    incident_from and is not before it."""

    def optional_text(max_length: int) -> dict[str, Any]:
        return {"type": ["string", "null"], "maxLength": max_length}

    day = {
        "anyOf": [
            {"type": "string", "format": "date", "pattern": "^[0-9]{4}-"},
            {"type": "string", "pattern": "^\\s*$"},
            {"type": "null"},
        ]
    }
    return {
        "type": "object",
        "required": ["category", "agency", "description"],
        "properties": {
            "category": _code("code from /categories", category_codes),
            "agency": _code("code from /agencies", agency_codes),
            "description": {"type": "string", "minLength": 20, "maxLength": 20000},
            "involved": optional_text(2000),
            "location": optional_text(500),
            "incident_from": {**day, "description": "not in the future"},
            "incident_until": {
                **day,
                "description": "last day of a period: with incident_from, not before it, "
                "not in the future",
            },
            "how_known": {
                "type": ["string", "null"],
                "enum": ["", None, *HOW_KNOWN],
            },
            "estimated_loss": {
                "description": "rupiah: a whole number, or digits with an optional Rp "
                "and spaces, dots or commas between them (at most 15 digits)",
                "anyOf": [
                    {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999},
                    {
                        "type": "string",
                        "maxLength": 30,
                        "pattern": "^(?:[Rr][Pp])?[\\s.,]*(?:[0-9][\\s.,]*){0,15}$",
                    },
                    {"type": "null"},
                ],
            },
            "reporter_name": optional_text(200),
            "reporter_contact": optional_text(200),
        },
    }


def openapi_document(
    agency_codes: Sequence[str] = (), category_codes: Sequence[str] = ()
) -> dict[str, Any]:
    """The description; ``agency_codes`` and ``category_codes`` are the active ones."""
    text = {"type": "string"}
    date = {"type": "string", "format": "date"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "WBS API",
            "version": "1.0.0",
            "description": "Anonymous whistle-blowing reports for an Indonesian inspectorate. "
            "No endpoint logs or stores the client address; the tracking code is "
            "returned once and never again.",
        },
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This description of the API",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["openapi", "info", "paths"],
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/api/v1/agencies": {
                "get": {
                    "operationId": "listAgencies",
                    "summary": "Agencies (OPD) a report may be about",
                    "responses": {
                        "200": {
                            "description": "Active agencies",
                            "content": {"application/json": {"schema": _named_list("agencies")}},
                        }
                    },
                }
            },
            "/api/v1/categories": {
                "get": {
                    "operationId": "listCategories",
                    "summary": "Kinds of violation",
                    "responses": {
                        "200": {
                            "description": "Active categories",
                            "content": {"application/json": {"schema": _named_list("categories")}},
                        }
                    },
                }
            },
            "/api/v1/reports": {
                "post": {
                    "operationId": "fileReport",
                    "summary": "File a report",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ReportInput"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Filed; keep the tracking code, it is shown once",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["tracking_code", "status"],
                                        "properties": {
                                            "tracking_code": {
                                                "type": "string",
                                                "pattern": "^[0-9]{16}$",
                                            },
                                            "tracking_code_display": text,
                                            "status": text,
                                        },
                                    }
                                }
                            },
                        },
                        "400": _error_response("Invalid input; error.fields names each problem"),
                        "413": _error_response("Body too large"),
                        "415": _error_response("Not JSON"),
                        "429": _error_response("Too many submissions from this connection"),
                    },
                }
            },
            "/api/v1/reports/status": {
                "post": {
                    "operationId": "reportStatus",
                    "summary": "Status, events and messages of a report, by its tracking code",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["tracking_code"],
                                    "properties": {
                                        "tracking_code": {
                                            "type": "string",
                                            "description": "16 digits, the last a Damm "
                                            "check digit; spaces or dashes between groups "
                                            "allowed",
                                            "pattern": "^[\\s-]*(?:[0-9][\\s-]*){16}$",
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The reporter's view of the case",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ReportStatus"}
                                }
                            },
                        },
                        "400": _error_response(
                            "Not a tracking code, or a typing error (not counted)"
                        ),
                        "404": _error_response("No report matches this code"),
                        "415": _error_response("Not JSON"),
                        "429": _error_response("Too many failed look-ups from this connection"),
                    },
                }
            },
            "/api/v1/stats": {"get": _stats_operation(agency_codes, category_codes)},
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (wbs_...) of a staff account, "
                    "created under My account, API tokens; it acts with the account's "
                    "current roles",
                },
                "staffSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "wbs_staff",
                    "description": "The session of a staff login (password and TOTP)",
                },
            },
            "schemas": {
                **_statistics_schemas(),
                "Named": {
                    "type": "object",
                    "required": ["code", "name"],
                    "properties": {"code": text, "name": text},
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": text,
                                "message": text,
                                "reason": {
                                    "type": "string",
                                    "description": "Why a statistics request was refused",
                                },
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": text},
                                },
                            },
                        }
                    },
                },
                "ReportInput": _report_input(agency_codes, category_codes),
                "ReportStatus": {
                    "type": "object",
                    "required": ["status", "status_label", "received_on", "events", "messages"],
                    "properties": {
                        "status": text,
                        "status_label": text,
                        "received_on": date,
                        "events": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "date": date,
                                    "kind": text,
                                    "label": text,
                                    "status": {"type": ["string", "null"]},
                                    "note": text,
                                },
                            },
                        },
                        "messages": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "date": date,
                                    "author": {"type": "string", "enum": ["reporter", "officer"]},
                                    "text": text,
                                },
                            },
                        },
                    },
                },
            },
        },
    }
