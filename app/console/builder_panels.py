"""The builder's preview and save panels follow the definition being edited.

Two rules, both decided on the server from what the browser posts:
- a preview or save is for the newest definition: the editor's, unless the form's fields
  were changed after the editor was last written from them (a field left by clicking
  Preview sends its change and the click together, before the editor is rewritten);
- when the definition changes, a preview shown for an older one is run again for the new
  one, and a "Not saved" shown for an older one is taken away. The panel's outcome element
  is named by the definition it was for (`preview-outcome-<fp>`), so an answer that arrives
  after a newer preview finds nothing to replace and cannot put an old count back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.console.segment_builder import fingerprint, form_document, parse_form
from app.console.segment_view import parse_editor, preview
from app.profiles.user_service import UserService
from app.segments.draft_explain import DraftExplainer
from app.segments.segment_service import SegmentService


def _text(fields: Mapping[str, Any], name: str, limit: int = 256) -> str:
    value = fields.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def posted_document(fields: Mapping[str, Any], editor: str, fmt: str
                    ) -> tuple[Any, str | None]:
    """(the definition a preview or save is for, None) or (None, why the editor's text does
    not parse)."""
    if "row_count" in fields and _text(fields, "form_fp"):
        doc = form_document(parse_form(fields))
        if fingerprint(doc) != _text(fields, "form_fp"):
            return doc, None
    return parse_editor(editor, fmt)


async def follow_ups(fields: Mapping[str, Any], doc: Any, segments: SegmentService,
                     users: UserService, drafts: DraftExplainer) -> dict[str, Any]:
    """What the panels need after the definition became `doc`: `preview_from` (the outcome
    to replace) with `preview`, and `unsaved_from` (the outcome to take away)."""
    now = fingerprint(doc)
    out: dict[str, Any] = {}
    shown = _text(fields, "preview_fp", 32)
    if shown and shown != now:
        out["preview_from"] = shown
        out["preview"] = await preview(segments, users, drafts, doc,
                                       _text(fields, "shopper").strip())
    unsaved = _text(fields, "unsaved_fp", 32)
    if unsaved and unsaved != now:
        out["unsaved_from"] = unsaved
    return out
