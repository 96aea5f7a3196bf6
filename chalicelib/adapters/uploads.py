"""Pre-signed S3 uploads into the documents bucket (encrypted; the bucket notifies the documents queue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.adapters.resources import QUARANTINE_PREFIX, RECEIVED_PREFIX
from chalicelib.services.ports import StoredObject


class S3UploadStore:
    def __init__(self, client_factory: Callable[[], Any], bucket: str) -> None:
        self._client_factory = client_factory
        self._bucket = bucket

    def upload_slot(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
        post: dict[str, Any] = self._client_factory().generate_presigned_post(
            self._bucket,
            key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return {"method": "POST", "url": post["url"], "fields": post["fields"]}

    def inspect(self, key: str, head_bytes: int) -> StoredObject | None:
        from botocore.exceptions import ClientError

        client = self._client_factory()
        try:
            size = int(client.head_object(Bucket=self._bucket, Key=key)["ContentLength"])
            head = (
                b""
                if size == 0
                else client.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{head_bytes - 1}")["Body"].read(
                    head_bytes
                )
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(size, bytes(head))

    def _move(self, key: str, target: str, metadata: dict[str, str], *, keep_type: bool) -> bool:
        """Copy `key` to `target` with `metadata` and delete it. `keep_type`: the copy keeps the content type the
        upload was posted with (the documents worker has checked the bytes are that type), so a download shows the
        PDF or image in the page; otherwise (quarantine) it is served as opaque bytes. REPLACE drops the type unless
        it is given again."""
        from botocore.exceptions import ClientError

        client = self._client_factory()
        try:
            content_type = "application/octet-stream"
            if keep_type:
                content_type = str(client.head_object(Bucket=self._bucket, Key=key).get("ContentType") or content_type)
            client.copy_object(
                Bucket=self._bucket,
                Key=target,
                CopySource={"Bucket": self._bucket, "Key": key},
                Metadata=metadata,
                MetadataDirective="REPLACE",
                ContentType=content_type,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        client.delete_object(Bucket=self._bucket, Key=key)
        return True

    def quarantine(self, key: str, reason: str) -> None:
        self._move(key, f"{QUARANTINE_PREFIX}{key}", {"reason": reason}, keep_type=False)

    def keep(self, key: str, document_id: str) -> str:
        target = f"{RECEIVED_PREFIX}{key.removeprefix('uploads/')}"
        self._move(key, target, {"document": document_id}, keep_type=True)
        return target

    def download_url(self, key: str, expires_in: int) -> str:
        url: str = self._client_factory().generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key, "ResponseContentDisposition": "inline"},
            ExpiresIn=expires_in,
        )
        return url
