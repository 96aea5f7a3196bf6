"""The outbox: messages a state change must send are saved with it, and sent after it.

A use case that changes an application puts the messages the change must send in its outbox (`Application.send`,
`services/notify.py`), in the same conditional write; after the write it calls `dispatch_outbox`. A crash between
the two loses nothing: the retried request, the next writer or the deadline sweep dispatches what is left, and
each message's key makes a second send harmless.
"""

from __future__ import annotations

from chalicelib.domain.application import Application
from chalicelib.domain.errors import ApplicationNotFound, ConcurrentUpdate
from chalicelib.services.concurrency import Unchanged, update_application
from chalicelib.services.lookups import expand
from chalicelib.services.ports import ApplicationRepository, MessagePublisher


def dispatch_outbox(repo: ApplicationRepository, publisher: MessagePublisher, application: Application) -> None:
    """Send the application's pending messages, then clear them from it (messages are keyed: a resend is harmless).

    Clearing is a write of the application, and one state change rides on it: a `submitted` application whose
    registry questions went out becomes `checking` (`Application.lookups_sent`). A fan-out message is expanded
    into its lookups from the application as it is now (services/lookups.py:expand)."""
    if not application.outbox:
        return
    sent = list(application.outbox)
    if any(m.body.get("type") == "fan_out" for m in sent):
        # The lookups follow from the application as it is now: withdrawn meanwhile (a withdrawal racing the
        # signature), its fan-out sends nothing.
        application = _fresh(repo, application)
    publisher.publish([m for pending in sent for m in expand(application, pending)])
    sent_keys = {m.key for m in sent}
    lookups_sent = any(m.queue == "lookups" for m in sent)

    def clear(app: Application) -> None:
        if not any(m.key in sent_keys for m in app.outbox):
            raise Unchanged  # another dispatcher cleared them first
        app.outbox = [m for m in app.outbox if m.key not in sent_keys]
        if lookups_sent:
            app.lookups_sent()  # submitted -> checking, in the same write that clears the outbox

    try:
        update_application(repo, application.id, clear)
    except ConcurrentUpdate:
        # The messages are out; clearing lost every race to other writers. Leaving them in the outbox
        # only means a later dispatch sends them again, which their keys make harmless.
        return


def _fresh(repo: ApplicationRepository, application: Application) -> Application:
    try:
        return repo.get(application.id)
    except ApplicationNotFound:
        return application
