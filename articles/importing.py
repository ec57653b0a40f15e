"""Read the pipeline's JSON import format: files, folders, and one record per article.

`articles/schema/article-import.schema.json` is the contract; this module checks each article
against it and turns problems into messages that name the file, the article and the field.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft202012Validator

SURROGATE = re.compile(r"[\ud800-\udfff]")
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "article-import.schema.json"


class ImportProblem(Exception):
    """An article (or a whole file) that cannot be imported, with where and why."""

    def __init__(self, message: str, *, field: str = "", code: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code  # the validation's code ("unique": taken, perhaps a moment ago)


@dataclass
class ArticleRecord:
    """One article as read from a file, not yet checked against the database."""

    source: str
    index: int
    data: dict | None
    problem: ImportProblem | None = None
    whole_file: bool = False
    folder: Path | None = None  # where its lead_image.file is read from

    @property
    def label(self) -> str:
        external_id = self.data.get("external_id") if isinstance(self.data, dict) else None
        position = f"#{self.index + 1}"
        return f"article {external_id!r} ({position})" if external_id else f"article {position}"

    def describe(self, problem: ImportProblem) -> str:
        where = self.source if self.whole_file else f"{self.source}: {self.label}"
        return (
            f"{where}: {problem.field}: {problem.message}"
            if problem.field
            else (f"{where}: {problem.message}")
        )


@cache
def article_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    article_schema = {**schema["$defs"]["article"], "$defs": schema["$defs"]}
    return Draft202012Validator(article_schema)


def field_path(path) -> str:
    """Format a JSON path as `references[2].url` (numbers as the file shows them, from 0)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def schema_problem(data) -> ImportProblem | None:
    """Return the first way the article breaks the schema, or None."""
    errors = sorted(article_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    field = field_path(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        field = f"{field}.{missing}" if field else missing
        return ImportProblem("is required.", field=field)
    if "x-message" in error.schema:
        return ImportProblem(f"{error.instance!r} {error.schema['x-message']}", field=field)
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema["properties"]))[0]
        field = f"{field}.{unknown}" if field else unknown
        return ImportProblem("is not a field of the import format.", field=field)
    return ImportProblem(error.message, field=field or "article")


def text_problem(value, path=()) -> ImportProblem | None:
    """Return a problem naming the first string no database can store as text, or None.

    PostgreSQL refuses a NUL character in text, and no database a lone surrogate (JSON's
    "\\ud800" escapes are not UTF-8): the article would fail at the database instead.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return ImportProblem("contains a NUL character.", field=field_path(path) or "article")
        if SURROGATE.search(value):
            message = "contains a lone surrogate (\\ud800-\\udfff), which is not Unicode text."
            return ImportProblem(message, field=field_path(path) or "article")
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := text_problem(key, path) or text_problem(item, (*path, key)):
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if problem := text_problem(item, (*path, index)):
                return problem
    return None


def parse_json(text: str):
    """Read JSON as the standard defines it: Python's reader also takes NaN and Infinity,
    which are no JSON numbers (and no database stores them in JSON)."""
    return json.loads(text, parse_constant=_no_such_number)


def _no_such_number(name: str):
    raise ValueError(f"{name} is not a JSON number")


def json_files(paths: list[str]) -> Iterator[Path]:
    """Yield the JSON files named, and those found in the folders named, in a stable order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def read_records(path: Path) -> Iterator[ArticleRecord]:
    """Yield the articles of one file; a file that cannot be read yields one failed record."""
    source = str(path)

    def unreadable(message: str) -> ArticleRecord:
        return ArticleRecord(source, 0, None, ImportProblem(message), whole_file=True)

    try:
        payload = parse_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        yield unreadable("no such file or folder.")
        return
    except UnicodeDecodeError:
        yield unreadable("the file is not UTF-8 text.")
        return
    except json.JSONDecodeError as error:
        message = f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
        yield unreadable(message)
        return
    except ValueError as error:  # NaN, Infinity, a number too long to read
        yield unreadable(f"invalid JSON: {error}.")
        return
    except OSError as error:
        yield unreadable(f"cannot read: {error.strerror}.")
        return
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        yield unreadable("the file holds an empty list.")
    for index, data in enumerate(items):
        if not isinstance(data, dict):
            problem = ImportProblem("must be a JSON object.")
            yield ArticleRecord(source, index, None, problem)
        else:
            problem = text_problem(data) or schema_problem(data)
            yield ArticleRecord(source, index, data, problem, folder=path.parent)


def lead_image_content(spec: dict, folder: Path | None) -> bytes:
    """Return the bytes of the lead image `spec` gives: its `file`, read from `folder` (the
    JSON file's), or its `data`, decoded from base64. Too large a file is refused unread."""
    limit = settings.IMAGE_MAX_BYTES
    if ("file" in spec) == ("data" in spec):
        raise ImportProblem(
            "give the image as file (a path relative to the JSON file) or as data (base64), "
            "one of the two.",
            field="lead_image",
        )
    if "data" in spec:
        if len(spec["data"]) > (limit + 2) // 3 * 4 + 4:
            raise ImportProblem(
                f"the image is larger than {limit / 1024 / 1024:.1f} MB.", field="lead_image.data"
            )
        try:
            return base64.b64decode(spec["data"], validate=True)
        except (binascii.Error, ValueError):
            raise ImportProblem("is not base64.", field="lead_image.data") from None
    if folder is None:
        raise ImportProblem(
            "the API cannot read files: send the image itself, base64-encoded, as lead_image.data.",
            field="lead_image.file",
        )
    return _read_beside(spec["file"], folder, limit)


def _read_beside(name: str, folder: Path, limit: int) -> bytes:
    path = Path(name)
    if path.is_absolute():
        raise ImportProblem(
            f"{name!r} is an absolute path: give it relative to the JSON file.",
            field="lead_image.file",
        )
    resolved, root = (folder / path).resolve(), folder.resolve()
    if not resolved.is_relative_to(root):
        raise ImportProblem(f"{name!r} is outside the JSON file's folder.", field="lead_image.file")
    try:
        size = resolved.stat().st_size
        if not resolved.is_file():
            raise ImportProblem(f"{name!r} is not a file.", field="lead_image.file")
        if size > limit:
            raise ImportProblem(
                f"{name!r} is {size / 1024 / 1024:.1f} MB; at most "
                f"{limit / 1024 / 1024:.1f} MB is accepted.",
                field="lead_image.file",
            )
        return resolved.read_bytes()
    except FileNotFoundError:
        raise ImportProblem(f"no such file: {name!r}.", field="lead_image.file") from None
    except OSError as error:
        raise ImportProblem(
            f"cannot read {name!r}: {error.strerror}.", field="lead_image.file"
        ) from None
