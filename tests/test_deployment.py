"""Production configuration: Django's deployment checks, docker compose, gunicorn."""

import os
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Jx9-pQv7_Zr2Lw8Nt4Yb6Hc1Fd5Gs0Mn3Rq7Tu9Vw2Xy4Za6Bc8De0",
    "ALLOWED_HOSTS": "callsheet.example.com",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    test_only = {"DJANGO_SETTINGS_MODULE", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE", "TASKS_BACKEND"}
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_checks_pass_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_compose_file_is_valid_against_the_compose_spec():
    result = subprocess.run(
        [
            Path(sys.executable).parent / "check-jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_database_migrations_web_and_worker():
    compose = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "migrate", "web", "worker"}
    db = services["db"]
    assert db["image"] == "postgres:18"
    assert any(volume.endswith(":/var/lib/postgresql") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "migrate" in " ".join(services["migrate"]["command"])
    web = services["web"]["command"]
    assert web[0] == "gunicorn" and "gunicorn.conf.py" in web and "--no-control-socket" in web
    assert services["worker"]["command"][-1] == "db_worker"
    assert services["scheduler"]["command"][-1] == "scheduler"
    for name in ("web", "worker"):
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    # A worker or scheduler that exits (a crash, a lost database) is started again.
    for name in ("db", "web", "worker", "scheduler"):
        assert services[name]["restart"] == "unless-stopped", name


def test_make_run_starts_the_worker_and_scheduler_again_when_they_stop():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") : makefile.index("runserver")]
    assert "while :; do $(MANAGE) db_worker;" in run
    assert "while :; do $(MANAGE) scheduler;" in run


def test_gunicorn_config_has_sane_timeouts():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    assert 10 <= namespace["timeout"] <= 60
    assert namespace["graceful_timeout"] >= 10
    assert namespace["max_requests"] > 0
    assert namespace["control_socket_disable"] is True
    # Workers are forked from a master that loaded and warmed the application up.
    assert namespace["preload_app"] is True
    assert callable(namespace["when_ready"])


def test_make_demo_and_migrate_run_in_development_mode_by_default():
    """`make demo` worked only with SECRET_KEY or DEBUG=1 set by hand."""
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "demo: export DEBUG ?= 1" in makefile
    assert "migrate: export DEBUG ?= 1" in makefile
