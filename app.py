"""The Chalice application: blueprints and middleware, nothing else."""

from chalice.app import Chalice

from chalicelib.entrypoints.api import api
from chalicelib.entrypoints.audit_api import audit_api
from chalicelib.entrypoints.consents_api import consents_api
from chalicelib.entrypoints.console import console
from chalicelib.entrypoints.desk_api import desk_api
from chalicelib.entrypoints.middleware import framework_errors_as_problems, observe_http
from chalicelib.entrypoints.notifications_api import notifications_api
from chalicelib.entrypoints.results_api import results_api
from chalicelib.entrypoints.schedules import schedules
from chalicelib.entrypoints.signing_api import signing_api
from chalicelib.entrypoints.webhooks import webhooks
from chalicelib.entrypoints.work_api import work_api
from chalicelib.entrypoints.workers import workers

app = Chalice(app_name="social-benefits")
app.api.binary_types.append("application/pdf")
app.register_blueprint(api)
app.register_blueprint(audit_api)
app.register_blueprint(results_api)
app.register_blueprint(workers)
app.register_blueprint(schedules)
app.register_blueprint(work_api)
app.register_blueprint(signing_api)
app.register_blueprint(notifications_api)
app.register_blueprint(webhooks)
app.register_blueprint(consents_api)
app.register_blueprint(console)
app.register_blueprint(desk_api)
app.register_middleware(observe_http, "http")
app.register_middleware(framework_errors_as_problems, "http")
