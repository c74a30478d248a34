"""Forms for statements from the browser: the Markdown files, and the goal and dates."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from undersigned.lib.statement_files import StatementFileError, StatementSource, parse
from undersigned.statements.models import Statement

MAX_FILE_BYTES = 1_000_000
MAX_FILES = 12


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        one = super().clean
        if isinstance(data, list | tuple) and data:
            return [one(f, initial) for f in data]
        return [one(data or None, initial)]


class UploadForm(forms.Form):
    """The files `undersigned import` reads, read by the same parser, with its messages."""

    markdown = MultipleFileField(
        label=_("Statement files (Markdown)"),
        help_text=_(
            "One file per language, with YAML front matter: the primary language first, then "
            "its translations. The statement with the same slug, if any, is updated."
        ),
        error_messages={"required": _("Please choose the statement's files.")},
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,.txt,text/markdown"}),
    )
    public_key = forms.CharField(
        label=_("Organisers' public key (optional)"),
        required=False,
        max_length=64,
        help_text=_(
            "From “undersigned keygen”, if the files and the server's settings do not give one."
        ),
    )

    source: StatementSource | None = None

    def clean_markdown(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["markdown"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)d files at once.") % {"n": MAX_FILES})
        for upload in files:
            if (upload.size or 0) > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than 1 MB.") % {"name": upload.name}
                )
        return files

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        files = cleaned.get("markdown")
        if files:
            try:
                self.source = parse_uploads(files)
            except StatementFileError as exc:
                # The same words as `undersigned import`: file, line, what is wrong.
                self.add_error("markdown", f"{Path(exc.path).name}, line {exc.line}: {exc.message}")
        return cleaned


def parse_uploads(files: list[UploadedFile]) -> StatementSource:
    """Parse the uploads with the statement-file parser, under their own names, in order."""
    with tempfile.TemporaryDirectory(prefix="undersigned-upload-") as folder:
        paths = []
        for number, upload in enumerate(files):
            name = Path(upload.name or f"statement-{number}.md").name
            path = Path(folder) / f"{number:02d}" / name
            path.parent.mkdir()
            path.write_bytes(upload.read())
            paths.append(path)
        return parse(paths)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Statement
        fields = ("goal", "opens_on", "closes_on")
        labels = {
            "goal": _("Goal (signatures)"),
            "opens_on": _("Opens on"),
            "closes_on": _("Closes on"),
        }
        help_texts = {"goal": _("Leave empty for no goal.")}
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", _("The closing date must be after the opening date."))
        return cleaned
