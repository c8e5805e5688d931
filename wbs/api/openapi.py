"""The OpenAPI 3.1 description of API v1."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _named_list(key: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"type": "array", "items": {"$ref": "#/components/schemas/Named"}}},
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
        },
        "components": {
            "schemas": {
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
            }
        },
    }
