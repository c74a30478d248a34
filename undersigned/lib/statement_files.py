"""Reading statement files: Markdown with YAML front matter, one file per language.

Every mistake is reported with the file, the line and what is wrong, and nothing is
imported until every file is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]+)?$")
PRIMARY_KEYS = {
    "slug",
    "language",
    "title",
    "demands",
    "goal",
    "opens",
    "closes",
    "languages",
    "public_key",
    "allow_no_email",
    "retention_days",
}
TRANSLATION_KEYS = {"slug", "language", "title", "demands"}
MAX_TITLE = 200
MAX_DEMAND = 300


class StatementFileError(ValueError):
    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class StatementText:
    language: str
    title: str
    demands: list[str]
    body: str
    path: str


@dataclass
class StatementSource:
    slug: str
    primary_language: str
    languages: list[str]
    goal: int | None
    opens: dt.date | None
    closes: dt.date | None
    public_key: str | None
    allow_no_email: bool
    retention_days: int | None
    texts: dict[str, StatementText] = field(default_factory=dict)


def _key_lines(front: str, first_line: int) -> dict[str, int]:
    lines = {}
    for offset, raw in enumerate(front.splitlines()):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", raw)
        if match:
            lines[match.group(1)] = first_line + offset
    return lines


def _split(path: Path, text: str) -> tuple[dict[str, Any], dict[str, int], str]:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise StatementFileError(path, line, "contains a NUL byte")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise StatementFileError(path, 1, "must start with a front matter block opened by '---'")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise StatementFileError(path, 1, "front matter opened by '---' is never closed") from None
    front = "\n".join(lines[1:end])
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or "is not valid YAML"
        raise StatementFileError(path, line, f"front matter: {problem}") from None
    if not isinstance(meta, dict):
        raise StatementFileError(path, 2, "front matter must be a mapping of keys to values")
    body = "\n".join(lines[end + 1 :]).strip() + "\n"
    return meta, _key_lines(front, 2), body


def _text(path: Path, meta: dict[str, Any], where: dict[str, int], body: str) -> StatementText:
    def fail(key: str, message: str) -> StatementFileError:
        return StatementFileError(path, where.get(key, 2), message)

    language = meta.get("language")
    if not isinstance(language, str) or not LANG_RE.match(language):
        raise fail("language", "'language' must be a language code such as en, uk or ru")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "'title' is required and must be text")
    if len(title) > MAX_TITLE:
        raise fail("title", f"'title' is longer than {MAX_TITLE} characters")
    demands = meta.get("demands", [])
    if not isinstance(demands, list) or not all(isinstance(d, str) and d.strip() for d in demands):
        raise fail("demands", "'demands' must be a list of non-empty texts")
    for demand in demands:
        if len(demand) > MAX_DEMAND:
            raise fail("demands", f"a demand is longer than {MAX_DEMAND} characters")
    if not body.strip():
        raise StatementFileError(path, len(where) + 3, "the statement has no body text")
    return StatementText(language, title.strip(), [d.strip() for d in demands], body, str(path))


def _date(path: Path, meta: dict[str, Any], where: dict[str, int], key: str) -> dt.date | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise StatementFileError(path, where.get(key, 2), f"'{key}' must be a date like 2026-12-31")


def parse(paths: list[Path]) -> StatementSource:
    """Parse the primary file and its translations; raise on the first mistake."""
    if not paths:
        raise ValueError("no statement files given")
    parsed = []
    for path in paths:
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StatementFileError(path, 0, "file not found") from None
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            raise StatementFileError(path, line, "is not valid UTF-8") from None
        parsed.append((path, *_split(path, content)))

    path, meta, where, body = parsed[0]
    unknown = sorted(set(meta) - PRIMARY_KEYS)
    if unknown:
        raise StatementFileError(path, where.get(unknown[0], 2), f"unknown key '{unknown[0]}'")
    slug = meta.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
        raise StatementFileError(
            path, where.get("slug", 2), "'slug' must be lower-case letters, digits and hyphens"
        )
    goal = meta.get("goal")
    if goal is not None and (not isinstance(goal, int) or isinstance(goal, bool) or goal < 1):
        raise StatementFileError(path, where.get("goal", 2), "'goal' must be a positive number")
    opens = _date(path, meta, where, "opens")
    closes = _date(path, meta, where, "closes")
    if opens and closes and closes <= opens:
        raise StatementFileError(path, where["closes"], "'closes' must be after 'opens'")
    primary = _text(path, meta, where, body)
    languages = meta.get("languages", [primary.language])
    if not isinstance(languages, list) or not all(
        isinstance(x, str) and LANG_RE.match(x) for x in languages
    ):
        raise StatementFileError(
            path, where.get("languages", 2), "'languages' must be a list of language codes"
        )
    if primary.language not in languages:
        raise StatementFileError(
            path, where.get("languages", 2), f"'languages' must include '{primary.language}'"
        )
    allow_no_email = meta.get("allow_no_email", False)
    if not isinstance(allow_no_email, bool):
        raise StatementFileError(
            path, where.get("allow_no_email", 2), "'allow_no_email' must be true or false"
        )
    retention = meta.get("retention_days")
    if retention is not None and (not isinstance(retention, int) or retention < 0):
        raise StatementFileError(
            path, where.get("retention_days", 2), "'retention_days' must be a whole number"
        )
    public_key = meta.get("public_key")
    if public_key is not None and not isinstance(public_key, str):
        raise StatementFileError(path, where.get("public_key", 2), "'public_key' must be text")
    source = StatementSource(
        slug=slug,
        primary_language=primary.language,
        languages=list(dict.fromkeys(languages)),
        goal=goal,
        opens=opens,
        closes=closes,
        public_key=public_key,
        allow_no_email=allow_no_email,
        retention_days=retention,
    )
    source.texts[primary.language] = primary

    for path, meta, where, body in parsed[1:]:
        unknown = sorted(set(meta) - TRANSLATION_KEYS)
        if unknown:
            raise StatementFileError(
                path,
                where.get(unknown[0], 2),
                f"unknown key '{unknown[0]}' "
                "(a translation has only slug, language, title, demands)",
            )
        if meta.get("slug") != slug:
            raise StatementFileError(
                path, where.get("slug", 2), f"'slug' must be '{slug}' as in {parsed[0][0]}"
            )
        translation = _text(path, meta, where, body)
        if translation.language not in source.languages:
            raise StatementFileError(
                path,
                where.get("language", 2),
                f"language '{translation.language}' is not in the primary file's 'languages'",
            )
        if translation.language in source.texts:
            raise StatementFileError(
                path, where.get("language", 2), f"language '{translation.language}' is given twice"
            )
        if len(translation.demands) != len(primary.demands):
            raise StatementFileError(
                path,
                where.get("demands", 2),
                f"has {len(translation.demands)} demands "
                f"but the primary file has {len(primary.demands)}",
            )
        source.texts[translation.language] = translation
    missing = [x for x in source.languages if x not in source.texts]
    if missing:
        raise StatementFileError(
            parsed[0][0],
            where.get("languages", 2),
            f"no file given for language(s): {', '.join(missing)}",
        )
    return source
