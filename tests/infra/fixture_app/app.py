"""A small Chalice app for the infra tests: it shows the stack deriving queues, event source mappings and
schedules from whatever handlers an app declares, including a queue purpose resources.py does not know."""

from typing import Any

from chalice.app import Chalice, Rate

app = Chalice(app_name="social-benefits")


@app.route("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.on_sqs_message(queue="sb-lookups", batch_size=10, name="lookups_worker")
def lookups_worker(event: Any) -> dict[str, Any]:
    return {"batchItemFailures": []}


@app.on_sqs_message(queue="sb-archive", batch_size=3, name="archive_worker")
def archive_worker(event: Any) -> dict[str, Any]:
    return {"batchItemFailures": []}


@app.schedule(Rate(15, unit=Rate.MINUTES), name="deadline_sweep")
def deadline_sweep(event: Any) -> None:
    return None
