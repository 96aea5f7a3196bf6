"""Pre-signed S3 uploads into the documents bucket (encrypted; the bucket notifies the documents queue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class S3UploadStore:
    def __init__(self, client_factory: Callable[[], Any], bucket: str) -> None:
        self._client_factory = client_factory
        self._bucket = bucket

    def upload_slot(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
        post: dict[str, Any] = self._client_factory().generate_presigned_post(
            self._bucket, key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return {"method": "POST", "url": post["url"], "fields": post["fields"]}
