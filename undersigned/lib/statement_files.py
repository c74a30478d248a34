"""Reading statement files: Markdown with YAML front matter, one file per language.

Every mistake is reported with the file, the line and what is wrong, and nothing is
imported until every file is valid. What is allowed but probably not meant (raw HTML, which
the page shows as text) comes back as a warning with its file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

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
# The body of one language's text, in bytes of UTF-8: far more than any statement needs
# (about 30,000 words), far less than would make the page slow to send.
MAX_BODY_BYTES = 200_000
# Where the body starts, kept beside the keys' lines (no YAML key can contain a space).
BODY = " body"

# Parses the body as if HTML were allowed, only to find where HTML is (the page escapes it).
_html_finder = MarkdownIt("commonmark", {"html": True})


class StatementFileError(ValueError):
    """A mistake in a statement file; LINE is None when it concerns the whole file."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{self.location}: {message}")

    @property
    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}, line {self.line}"


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
    # "file, line N: what" for what is accepted but probably not meant.
    warnings: list[str] = field(default_factory=list)


@dataclass
class _File:
    """One file split into its front matter, the line of each key, and its body."""

    path: Path
    meta: dict[str, Any]
    where: dict[str, int]
    body: str

    def error(self, key: str, message: str) -> StatementFileError:
        return StatementFileError(self.path, self.where.get(key, 2), message)


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that an impossible date (2026-13-45) stays text, so that
    the date check below reports it with its key and line instead of a traceback."""

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _key_lines(front: str, first_line: int) -> dict[str, int]:
    lines = {}
    for offset, raw in enumerate(front.splitlines()):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", raw)
        if match:
            lines[match.group(1)] = first_line + offset
    return lines


def _yaml_error(path: Path, exc: yaml.YAMLError) -> StatementFileError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 2 if mark is not None else 2
    problem = getattr(exc, "problem", None) or "is not valid YAML"
    if "mapping values are not allowed" in problem:
        problem += (
            ' (a value that contains a colon must be in quotes, for example title: "Peace: now")'
        )
    return StatementFileError(path, line, f"front matter: {problem}")


def _split(path: Path, text: str) -> _File:
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
        meta = yaml.load(front, Loader=_Loader) or {}  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    if not isinstance(meta, dict):
        raise StatementFileError(path, 2, "front matter must be a mapping of keys to values")
    rest = lines[end + 1 :]
    blank = next((i for i, line in enumerate(rest) if line.strip()), len(rest))
    where = {**_key_lines(front, 2), BODY: end + 2 + blank}
    return _File(path, meta, where, "\n".join(rest).strip() + "\n")


def _read(path: Path) -> _File:
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StatementFileError(path, None, "file not found") from None
    except IsADirectoryError:
        raise StatementFileError(path, None, "is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise StatementFileError(path, line, "is not valid UTF-8") from None
    return _split(path, content)


def _language(file: _File, allowed: Collection[str] | None) -> str:
    language = file.meta.get("language")
    if not isinstance(language, str) or not LANG_RE.match(language):
        raise file.error("language", "'language' must be a language code such as en, uk or ru")
    if allowed is not None and language not in allowed:
        raise file.error(
            "language",
            f"'language: {language}' is not one of this site's languages ({', '.join(allowed)})",
        )
    return language


def _text(file: _File, allowed: Collection[str] | None) -> StatementText:
    language = _language(file, allowed)
    title = file.meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise file.error("title", "'title' is required and must be text")
    if len(title) > MAX_TITLE:
        raise file.error("title", f"'title' is longer than {MAX_TITLE} characters")
    demands = file.meta.get("demands", [])
    if not isinstance(demands, list) or not all(isinstance(d, str) and d.strip() for d in demands):
        raise file.error("demands", "'demands' must be a list of non-empty texts")
    if any(len(demand) > MAX_DEMAND for demand in demands):
        raise file.error("demands", f"a demand is longer than {MAX_DEMAND} characters")
    if not file.body.strip():
        raise file.error(BODY, "the statement has no body text")
    size = len(file.body.encode())
    if size > MAX_BODY_BYTES:
        raise file.error(
            BODY,
            f"the text is {size // 1000} kB; a statement may have at most "
            f"{MAX_BODY_BYTES // 1000} kB (about 30,000 words)",
        )
    return StatementText(
        language, title.strip(), [d.strip() for d in demands], file.body, str(file.path)
    )


def html_warnings(path: Path | str, body: str, first_line: int) -> list[str]:
    """Where BODY has raw HTML, which the page shows as plain text rather than running it."""
    found = []
    for token in _html_finder.parse(body):
        pieces = [token] if token.type == "html_block" else []
        pieces += [child for child in token.children or [] if child.type == "html_inline"]
        for piece in pieces:
            line = first_line + (token.map[0] if token.map else 0)
            snippet = " ".join(piece.content.split())[:60]
            found.append(
                f"{path}, line {line}: raw HTML ({snippet}) is not used: "
                "the page shows it as plain text"
            )
    return found


def _date(file: _File, key: str) -> dt.date | None:
    value = file.meta.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise file.error(key, f"'{key}: {value}' is not a date; write a real date like 2026-12-31")


def _number(file: _File, key: str, minimum: int, message: str) -> int | None:
    value = file.meta.get(key)
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or value < minimum
    ):
        raise file.error(key, message)
    return value


def _languages(file: _File, primary: str, allowed: Collection[str] | None) -> list[str]:
    languages = file.meta.get("languages", [primary])
    if not isinstance(languages, list) or not all(
        isinstance(x, str) and LANG_RE.match(x) for x in languages
    ):
        raise file.error("languages", "'languages' must be a list of language codes")
    if primary not in languages:
        raise file.error("languages", f"'languages' must include '{primary}'")
    other = [x for x in languages if allowed is not None and x not in allowed]
    if other:
        raise file.error(
            "languages",
            f"'languages': {', '.join(other)} is not among this site's languages "
            f"({', '.join(allowed or ())})",
        )
    return list(dict.fromkeys(languages))


def _primary(file: _File, allowed: Collection[str] | None) -> StatementSource:
    unknown = sorted(set(file.meta) - PRIMARY_KEYS)
    if unknown:
        raise file.error(unknown[0], f"unknown key '{unknown[0]}'")
    slug = file.meta.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
        raise file.error("slug", "'slug' must be lower-case letters, digits and hyphens")
    goal = _number(file, "goal", 1, "'goal' must be a positive number")
    opens, closes = _date(file, "opens"), _date(file, "closes")
    if opens and closes and closes <= opens:
        raise file.error("closes", "'closes' must be after 'opens'")
    text = _text(file, allowed)
    allow_no_email = file.meta.get("allow_no_email", False)
    if not isinstance(allow_no_email, bool):
        raise file.error("allow_no_email", "'allow_no_email' must be true or false")
    retention = _number(file, "retention_days", 0, "'retention_days' must be a whole number")
    public_key = file.meta.get("public_key")
    if public_key is not None and not isinstance(public_key, str):
        raise file.error("public_key", "'public_key' must be text")
    source = StatementSource(
        slug=slug,
        primary_language=text.language,
        languages=_languages(file, text.language, allowed),
        goal=goal,
        opens=opens,
        closes=closes,
        public_key=public_key,
        allow_no_email=allow_no_email,
        retention_days=retention,
    )
    source.texts[text.language] = text
    return source


def _add_translation(
    source: StatementSource, file: _File, primary: _File, allowed: Collection[str] | None
) -> None:
    unknown = sorted(set(file.meta) - TRANSLATION_KEYS)
    if unknown:
        raise file.error(
            unknown[0],
            f"unknown key '{unknown[0]}' (a translation has only slug, language, title, demands)",
        )
    if file.meta.get("slug") != source.slug:
        raise file.error("slug", f"'slug' must be '{source.slug}' as in {primary.path}")
    text = _text(file, allowed)
    if text.language not in source.languages:
        raise file.error(
            "language", f"language '{text.language}' is not in the primary file's 'languages'"
        )
    if text.language in source.texts:
        raise file.error("language", f"language '{text.language}' is given twice")
    wanted = len(source.texts[source.primary_language].demands)
    if len(text.demands) != wanted:
        raise file.error(
            "demands", f"has {len(text.demands)} demands but the primary file has {wanted}"
        )
    source.texts[text.language] = text


def parse(paths: list[Path], languages: Collection[str] | None = None) -> StatementSource:
    """Parse the primary file and its translations; raise on the first mistake.

    LANGUAGES, when given, are the codes the site serves: any other is refused, by file
    and line, with the list of those allowed.
    """
    if not paths:
        raise ValueError("no statement files given")
    files = [_read(path) for path in paths]
    source = _primary(files[0], languages)
    for file in files[1:]:
        _add_translation(source, file, files[0], languages)
    missing = [x for x in source.languages if x not in source.texts]
    if missing:
        raise files[0].error("languages", f"no file given for language(s): {', '.join(missing)}")
    for file in files:
        source.warnings += html_warnings(file.path, file.body, file.where[BODY])
    return source
