"""Shared fixtures. Unit tests need none of this; entrypoint and integration tests run on moto."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.support.officials"]

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "eu-central-1",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "STAGE": "test",
    "TABLE_NAME": "social-benefits-test",
    "JWT_ISSUER": "https://idp.test.egov.kz",
    "JWT_AUDIENCE": "social-benefits",
    "PERSON_KEY_SECRET": "test-person-key",
    "OTP_SECRET": "test-otp-secret-of-32-characters",
    "DOCUMENTS_BUCKET": "social-benefits-documents-test",
    "SIGNING_KEY_ID": "alias/social-benefits-results",
    "GATEWAY_URL": "http://127.0.0.1:9",
    "REQUESTING_SYSTEM": "social-benefits-back-office",
    "MAX_BODY_BYTES": "65536",
    "SMS_WEBHOOK_SECRET": "test-sms-secret",
    "GATEWAY_WEBHOOK_SECRET": "test-gateway-secret",
    "POWERTOOLS_METRICS_NAMESPACE": "SocialBenefitsTest",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "CONSOLE_SESSION_SECRET": "test-console-session-secret-of-32+-characters",
}
# The synthetic world's legal figures (the TSA poverty line's regional inputs), laid over the shipped ones as on the
# local stack: the seeded families are decided on their region's line. Tests of a missing figure build their own.
LOCAL_DATA_DIR = str(Path(__file__).parent.parent / "local" / "seed" / "data")
os.environ.setdefault("SB_DATA_OVERRIDE_DIR", LOCAL_DATA_DIR)


def data_override(folder: Any) -> str:
    """SB_DATA_OVERRIDE_DIR with a test's own folder first, the synthetic world's figures still under it."""
    return f"{folder}{os.pathsep}{LOCAL_DATA_DIR}"


@pytest.fixture(scope="session")
def idp_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture
def env(idp_key: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from local.devkeys import jwks_for
    from local.gateway_participant import client_environment

    values = {**TEST_ENV, **client_environment(), "JWKS_JSON": json.dumps(jwks_for(idp_key, kid="test-1"))}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _reset_caches()
    yield values
    _reset_caches()


def _reset_caches() -> None:
    from chalicelib import bootstrap
    from chalicelib.entrypoints.auth import reset_keys

    bootstrap.reset()
    reset_keys()


@pytest.fixture
def aws(env: dict[str, str]) -> Iterator[Any]:
    """moto in-process with every resource the app expects."""
    from moto import mock_aws

    from chalicelib import bootstrap
    from local.provision import provision

    with mock_aws():
        container = bootstrap.container()
        provision(container.settings, container.client)
        yield container


@pytest.fixture
def gateway(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The gateway simulator the in-process pipeline asks (quick breaker and backoff)."""
    from chalicelib import bootstrap
    from local.gateway_sim import GatewaySimulator

    with GatewaySimulator() as sim:
        monkeypatch.setenv("GATEWAY_URL", sim.base_url)
        monkeypatch.setenv("GATEWAY_BREAKER_COOLDOWN_S", "0.05")
        monkeypatch.setenv("GATEWAY_BACKOFF_CAP_S", "0.01")
        bootstrap.reset()  # the next container reads the simulator's URL; moto keeps its resources
        yield sim


@pytest.fixture
def token(idp_key: bytes, env: dict[str, str]) -> Any:
    from local.devkeys import mint

    def make(iin: str, role: str = "citizen", org: str | None = None, **kwargs: Any) -> str:
        kwargs.setdefault("issuer", env["JWT_ISSUER"])
        kwargs.setdefault("audience", env["JWT_AUDIENCE"])
        kwargs.setdefault("kid", "test-1")
        return mint(idp_key, iin=iin, role=role, org=org, **kwargs)

    return make


@pytest.fixture
def api(aws: Any) -> Iterator[Any]:
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app) as client:
        yield client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


@pytest.fixture
def serial_aws(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto as a server that handles one request at a time, for tests of concurrency.

    moto's in-process backends are not thread-safe: two threads' conditional writes can both pass their
    check. DynamoDB applies each item's writes one at a time; a single-threaded server gives the same
    guarantee, so a race found here is a race in our code.
    """
    import threading

    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from chalicelib import bootstrap
    from local.provision import provision
    from local.stack import free_port

    port = free_port()
    server = make_server("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    bootstrap.reset()
    container = bootstrap.container()
    provision(container.settings, container.client)
    yield container
    server.shutdown()
    bootstrap.reset()


_ENVIRON_AT_START: dict[str, str] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    _ENVIRON_AT_START.update(os.environ)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Loading the Chalice app for a CDK synth sets the stage's variables (CDK tokens) in os.environ:
    put the environment back so no later test in the same worker sees them."""
    if "/infra/" in str(item.fspath):
        os.environ.clear()
        os.environ.update(_ENVIRON_AT_START)
