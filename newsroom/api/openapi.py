"""The OpenAPI document's parts ninja cannot derive: the import format, as the request body of
PUT (the same JSON Schema `import_articles` checks files against)."""

import copy
import json
from functools import cache

from articles.importing import SCHEMA_PATH

IMPORT_SCHEMA_NAMES = {
    "article": "ImportArticle",
    "change": "ImportChange",
    "provenance": "ImportProvenance",
    "reference": "ImportReference",
    "lead_image": "ImportLeadImage",
}


@cache
def import_components() -> dict:
    """The import schema's definitions as OpenAPI components (OpenAPI 3.1 is JSON Schema)."""
    definitions = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    return {
        IMPORT_SCHEMA_NAMES[name]: _pointing_at_components(copy.deepcopy(schema))
        for name, schema in definitions.items()
    }


def _pointing_at_components(node):
    if isinstance(node, dict):
        reference = node.get("$ref", "")
        if reference.startswith("#/$defs/"):
            node["$ref"] = "#/components/schemas/" + IMPORT_SCHEMA_NAMES[reference[8:]]
        for value in node.values():
            _pointing_at_components(value)
    elif isinstance(node, list):
        for value in node:
            _pointing_at_components(value)
    return node


def import_body() -> dict:
    """The requestBody of PUT /articles/{external_id}."""
    return {
        "requestBody": {
            "required": True,
            "description": "One article in the import format (README, “The import format”): "
            "the same fields, rules and messages as `manage.py import_articles`.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ImportArticle"}}
            },
        }
    }
