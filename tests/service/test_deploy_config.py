"""deploy/: the Dockerfile, the compose file, the systemd units and the example
configuration are checked by parsing them (no Docker engine here), and the ``.env``
example lists exactly the settings the settings object has."""
from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from ground.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
QUEUES = ("crawl", "process", "evaluate", "notify")


# --- Dockerfile ---------------------------------------------------------------------------

def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def test_dockerfile_builds_a_non_root_image_with_a_healthcheck_and_entrypoint() -> None:
    import json

    ins = dockerfile_instructions((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    names = [n for n, _ in ins]
    known = {"FROM", "RUN", "ENV", "WORKDIR", "COPY", "ADD", "USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT",
             "CMD", "VOLUME", "ARG", "LABEL"}
    assert set(names) <= known, set(names) - known
    assert names[0] == "FROM"
    base = dict(ins)["FROM"]
    assert re.fullmatch(r"python:3\.11[-\w.]*", base), base  # the project's Python
    # the last USER is not root, and it comes after every RUN (nothing runs as root at runtime)
    users = [i for i, (n, _) in enumerate(ins) if n == "USER"]
    assert users and dict(ins)["USER"] not in ("root", "0")
    assert max(i for i, (n, _) in enumerate(ins) if n == "RUN") < users[-1]
    # COPY sources exist in the build context (the project root)
    for n, args in ins:
        if n == "COPY" and not args.startswith("--from"):
            for src in args.split()[:-1]:
                assert (ROOT / src).exists(), f"COPY source {src} missing"
    # the health check probes the health server; exec-form entrypoint and command
    health = dict(ins)["HEALTHCHECK"]
    assert "CMD" in health and "workers.probe" in health
    entry, cmd = json.loads(dict(ins)["ENTRYPOINT"]), json.loads(dict(ins)["CMD"])
    assert entry and cmd[:2] == ["gkwatch", "web"]
    env = " ".join(a for n, a in ins if n == "ENV")
    assert "GKWATCH_DATA_DIR=/var/lib/gkwatch" in env and "GKWATCH_HEALTH_PORT=" in env
    assert "8000" in dict(ins)["EXPOSE"] and "8001" in dict(ins)["EXPOSE"]
    assert "[postgres]" in " ".join(a for n, a in ins if n == "RUN")  # the PostgreSQL driver


# --- compose.yaml ---------------------------------------------------------------------------

def compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_every_process_with_healthchecks_dependencies_and_volumes() -> None:
    from workers.units import QUEUES as APP_QUEUES

    doc = compose()
    services = doc["services"]
    workers = {f"worker-{q}" for q in APP_QUEUES}
    assert {"redis", "postgres", "web", "beat"} | workers <= set(services)
    for name in ("redis", "postgres"):
        assert services[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
        assert services[name]["volumes"]
    app_services = ["migrate", "web", "beat", *sorted(workers)]
    for name in app_services:
        svc = services[name]
        assert svc["env_file"] == [".env"], name
        assert (DEPLOY / "Dockerfile").samefile(DEPLOY / ".." / svc["build"]["dockerfile"])
        assert any(v.startswith("gkwatch-data:") for v in svc["volumes"]), name
        env = svc["environment"]
        assert env["GKWATCH_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:" in env["GKWATCH_DATABASE_URL"]
        assert env["GKWATCH_REDIS_URL"].startswith("redis://redis:")
    for name in ["web", "beat", *sorted(workers)]:
        deps = services[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert "workers.probe" in services[name]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["gkwatch", "db", "upgrade"]
    assert services["web"]["command"][:2] == ["gkwatch", "web"]
    assert "8000/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["beat"]["command"][:4] == ["celery", "-A", "workers.app", "beat"]
    for q in APP_QUEUES:
        cmd = services[f"worker-{q}"]["command"]
        assert cmd[:4] == ["celery", "-A", "workers.app", "worker"]
        assert cmd[cmd.index("-Q") + 1] == q
    assert services["worker-crawl"]["command"][services["worker-crawl"]["command"].index("-c") + 1] == "1"
    assert {"postgres-data", "redis-data", "gkwatch-data"} <= set(doc["volumes"])
    # every ${VAR} the file interpolates is documented in the .env example
    documented = set(env_example())
    for var in re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text(encoding="utf-8")):
        assert var in documented, var


def test_compose_mounts_only_files_that_exist() -> None:
    for name, svc in compose()["services"].items():
        for vol in svc.get("volumes", []):
            src = vol.split(":", 1)[0]
            if src.startswith("."):
                assert (DEPLOY / src).is_file(), f"{name}: {src}"


# --- .env example ↔ settings ------------------------------------------------------------------

def env_example() -> dict[str, str | None]:
    """NAME → value for ``NAME=value`` lines, None for documented-but-commented ``# NAME=…``."""
    out: dict[str, str | None] = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if m:
            name = m.group(2)
            assert name not in out, f"{name} twice in .env.example"
            out[name] = None if m.group(1) else m.group(3)
    return out


def test_env_example_lists_exactly_the_settings() -> None:
    documented = {k for k in env_example() if k.startswith("GKWATCH_")}
    fields = {"GKWATCH_" + name.upper() for name in Settings.model_fields}
    assert sorted(fields - documented) == [], "settings missing from deploy/.env.example"
    assert sorted(documented - fields) == [], "deploy/.env.example names settings that do not exist"


def test_env_example_other_variables_are_the_compose_files() -> None:
    used = set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    others = {k for k in env_example() if not k.startswith("GKWATCH_")}
    assert others == used


def test_env_example_loads_into_valid_settings(tmp_path: Path) -> None:
    s = Settings(_env_file=DEPLOY / ".env.example")  # type: ignore[call-arg]
    values = env_example()
    assert s.uses_celery and s.effective_database_url.startswith("postgresql+psycopg://")
    assert s.mail_to == ["gongkaiban@example.gov.cn"] and s.web_admin_tokens
    assert s.alerts_config == Path("/etc/gkwatch/alerts.toml")
    # the commented-out ones really are left at their defaults
    for name, value in values.items():
        if value is None and name.startswith("GKWATCH_"):
            field = name.removeprefix("GKWATCH_").lower()
            assert getattr(s, field) == Settings.model_fields[field].get_default(call_default_factory=True)


# --- systemd units -----------------------------------------------------------------------------

def unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return cp


def test_systemd_units_run_the_same_commands_as_compose() -> None:
    services = compose()["services"]
    units = {p.name for p in (DEPLOY / "systemd").iterdir()}
    assert {"gkwatch.target", "gkwatch-migrate.service", "gkwatch-web.service", "gkwatch-beat.service",
            "gkwatch-worker@.service"} <= units
    wants = unit("gkwatch.target")["Unit"]["Wants"].split()
    assert {f"gkwatch-worker@{q}.service" for q in QUEUES} <= set(wants)
    for name in units - {"gkwatch.target"}:
        svc = unit(name)["Service"]
        assert svc["User"] == "gkwatch", name
        assert svc["EnvironmentFile"].startswith("/etc/gkwatch/gkwatch.env") or \
            "/etc/gkwatch/gkwatch.env" in (DEPLOY / "systemd" / name).read_text()
        argv = shlex.split(svc["ExecStart"])
        assert argv[0].startswith("/opt/gkwatch/venv/bin/"), name
        if name != "gkwatch-migrate.service":
            assert unit(name)["Install"]["WantedBy"] == "gkwatch.target"
            assert unit(name)["Unit"]["Requires"] == "gkwatch-migrate.service"
    # a Celery worker whose Redis connection dropped may exit with status 0 (kombu): every
    # long-running process comes back whatever its exit status, in both deployments
    for name in ("gkwatch-worker@.service", "gkwatch-beat.service", "gkwatch-web.service"):
        assert unit(name)["Service"]["Restart"] == "always", name
    for name, svc in services.items():
        if name != "migrate":
            assert svc.get("restart") in ("always", "unless-stopped"), name
    worker = shlex.split(unit("gkwatch-worker@.service")["Service"]["ExecStart"])
    assert worker[1:5] == services["worker-crawl"]["command"][1:5] == ["-A", "workers.app", "worker", "-Q"]
    assert worker[worker.index("-Q") + 1] == "%i"
    beat = shlex.split(unit("gkwatch-beat.service")["Service"]["ExecStart"])
    assert beat[1:4] == services["beat"]["command"][1:4]
    assert shlex.split(unit("gkwatch-migrate.service")["Service"]["ExecStart"])[1:] == ["db", "upgrade"]


# --- example configuration ---------------------------------------------------------------------

def test_example_portals_and_alerts_config_load() -> None:
    from alerts.config import parse_config
    from alerts.routes import targets_for
    from gkwatch.portals import load_portals

    entries = load_portals(DEPLOY / "portals.example.toml")
    kinds = {e.kind for e in entries}
    assert kinds == {"本级政府", "部门", "乡镇街道"}
    names = {e.name for e in entries}
    assert all(e.parent in names for e in entries if e.parent)
    cfg = parse_config(tomllib.loads((DEPLOY / "alerts.example.toml").read_text(encoding="utf-8")),
                       Settings(_env_file=None))  # type: ignore[call-arg]
    assert cfg.routes and {r.channel for route in cfg.routes for r in route.receivers} == {"email", "webhook"}
    assert cfg.policy.by_kind["本级政府"] == "03-31"
    # a published report that cannot be parsed reaches the office, with the city's office too
    unparsed = {"kind": "P-UNPARSED", "agency_id": 1, "year": 2024, "rule": "P-UNPARSED",
                "region": "其他县", "agency_kind": "部门"}
    assert {t.receiver.target for t in targets_for(unparsed, list(cfg.routes), event="firing")} == \
        {"gongkaiban@example.gov.cn", "https://hooks.example.gov.cn/gkwatch"}
    in_city = targets_for({**unparsed, "region": "示例县"}, list(cfg.routes), event="firing")
    assert {"zwgk@example-city.gov.cn", "gongkaiban@example.gov.cn"} <= {t.receiver.target for t in in_city}
