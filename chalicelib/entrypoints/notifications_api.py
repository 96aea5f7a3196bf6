"""The personal account's notices (a citizen's own; an official's office notices)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.bootstrap import container
from chalicelib.domain.notifications import resolve_language
from chalicelib.entrypoints.http import Call, endpoint
from chalicelib.services.ports import Notice

notifications_api = Blueprint(__name__)


def notice_view(notice: Notice, language: str) -> dict[str, Any]:
    texts = notice.texts.get(resolve_language(language)) or notice.texts.get("ru") or {"title": "", "body": ""}
    return {
        "id": notice.key,
        "application_id": notice.application_id,
        "purpose": notice.purpose,
        "created_at": notice.created_at.isoformat(),
        "title": texts["title"],
        "body": texts["body"],
    }


@endpoint(
    notifications_api,
    "/notifications",
    summary="The personal account's notices, newest first (officials: their office's notices)",
    roles=("citizen", "official"),
    response="NotificationsOut",
    query=(("cursor", "from the previous page"), ("limit", "1 to 50, default 20")),
    errors=(401, 403, 422),
)
def list_notifications(call: Call) -> dict[str, Any]:
    from chalicelib.services.notifications import list_notices

    page = list_notices(container().notification_store, call.who, cursor=call.query("cursor"), limit=call.limit())
    return {"items": [notice_view(n, call.language) for n in page.items], "cursor": page.cursor}
