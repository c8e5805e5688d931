"""The OpenAPI 3.1 description of API v1."""

from __future__ import annotations

from typing import Any

from wbs.case_actions import FORWARD_DESTINATIONS, REJECTION_REASONS
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


def _period_parameters() -> list[dict[str, Any]]:
    def query(name: str, description: str, example: str) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": {"type": "string"},
            "example": example,
        }

    return [
        query(
            "period",
            "A year (2026), a quarter (2026-Q3), a month (2026-07) or `all` (every year "
            "with cases). Default: the current year. Not together with from/until.",
            "2026-Q3",
        ),
        query(
            "from",
            "First day of a range (YYYY-MM-DD), with until; at most ten years.",
            "2026-01-15",
        ),
        query("until", "Last day of a range (YYYY-MM-DD), included.", "2026-04-30"),
        query("agency", "Only cases about this agency: a code from /agencies.", "DINKES"),
        query("category", "Only cases of this kind: a code from /categories.", "korupsi"),
    ]


def _stats_operation() -> dict[str, Any]:
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
        "parameters": _period_parameters(),
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


def openapi_document() -> dict[str, Any]:
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
                                            "description": "16 digits; spaces or dashes between groups allowed",
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
            "/api/v1/stats": {"get": _stats_operation()},
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
                "ReportInput": {
                    "type": "object",
                    "required": ["category", "agency", "description"],
                    "properties": {
                        "category": {"type": "string", "description": "code from /categories"},
                        "agency": {"type": "string", "description": "code from /agencies"},
                        "description": {"type": "string", "minLength": 20, "maxLength": 20000},
                        "involved": {"type": "string", "maxLength": 2000},
                        "location": {"type": "string", "maxLength": 500},
                        "incident_from": date,
                        "incident_until": date,
                        "how_known": {
                            "type": "string",
                            "enum": ["witnessed", "experienced", "told", "documents", "other"],
                        },
                        "estimated_loss": {
                            "type": ["integer", "string"],
                            "description": "rupiah, digits only",
                        },
                        "reporter_name": {"type": "string", "maxLength": 200},
                        "reporter_contact": {"type": "string", "maxLength": 200},
                    },
                },
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
