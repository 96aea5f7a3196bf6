"""Printable documents rendered once and kept in the documents bucket under `rendered/`: the result notice of a
decided application and the tear-off ticket of an in-person filing, one PDF per language.

The API serves them from here, so the functions on the citizen's request path carry no PDF renderer (fpdf2 and
fontTools ship with the decisions worker only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.adapters.resources import RENDERED_PREFIX


class S3RenderedDocuments:
    def __init__(self, client: Callable[[], Any], bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def _key(self, name: str) -> str:
        return f"{RENDERED_PREFIX}{name}"

    def get(self, name: str) -> bytes | None:
        client = self._client()
        try:
            response = client.get_object(Bucket=self._bucket, Key=self._key(name))
        except client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def put(self, name: str, pdf: bytes) -> None:
        self._client().put_object(Bucket=self._bucket, Key=self._key(name), Body=pdf, ContentType="application/pdf")


class FpdfPrinter:
    """DocumentPrinter with fpdf2 (adapters/pdf.py), imported on first use: only the decisions worker renders.
    `public_base_url` is where anyone checks a printed code: the notice prints `<base>/results/<code>` and its QR."""

    def __init__(self, public_base_url: str) -> None:
        self._base = public_base_url.rstrip("/")

    def result_notice(self, signed_result: Mapping[str, Any], language: str) -> bytes:
        """`signed_result`: the stored signed result (`document`, `signer` for an official's EDS, `signed_at`)."""
        from chalicelib.adapters.pdf import render_result_notice
        from chalicelib.domain.result_document import verification_code

        document = signed_result["document"]
        code = verification_code(document)
        signatory = {
            **(signed_result.get("signer") or {"kind": "provider_seal"}),
            "signed_at": signed_result.get("signed_at"),
        }
        return render_result_notice(
            document, language, code, signatory=signatory, verify_url=f"{self._base}/results/{code}"
        )

    def ticket(self, body: Mapping[str, Any], language: str) -> bytes:
        from chalicelib.adapters.pdf import render_ticket

        return render_ticket(body, language)
