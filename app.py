"""The Chalice application: blueprints and middleware, nothing else."""

from chalice.app import Chalice

from chalicelib.entrypoints.api import api
from chalicelib.entrypoints.middleware import observe_http

app = Chalice(app_name="social-benefits")
app.register_blueprint(api)
app.register_middleware(observe_http, "http")
