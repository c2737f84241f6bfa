"""One settings object for every adapter.

Precedence, highest first: a CLI flag, an ``UNLOCKSTEP_*`` environment variable, the TOML file
named by ``UNLOCKSTEP_CONFIG`` (default ``./unlockstep.toml`` when it exists), the default.
A key in that file that is not a setting is an error naming the file (a typo must not fall
back to a default silently).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from unlockstep.config import config_file, read_file

if TYPE_CHECKING:
    from unlockstep.sources.connect import SourcePolicy
from unlockstep.core.documents import MAX_DOCUMENT_MB

DEFAULT_URL = "http://127.0.0.1:8080"
_TOKEN_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNLOCKSTEP_", extra="ignore")

    database_url: str = "sqlite:///./unlockstep.db"
    url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = 8080
    #: Bootstrap tokens: ``name:secret`` pairs separated by commas, each with the ``admin``
    #: scope (create team tokens with ``unlockstep tokens create``). Empty, and no token
    #: created through the API: writes are accepted as ``anonymous`` (a warning at start).
    api_tokens: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)
    #: Reads need a token too (``read`` scope or more). Off by default and for the demo.
    require_token_for_reads: bool = False
    #: The token the CLI sends.
    token: SecretStr | None = None
    #: The key that signs the dashboard's session cookies and CSRF tokens. Unset: a random
    #: key per server start (``serve --workers N`` shares one among its workers), so
    #: sessions end when the server restarts; set it to keep them across restarts.
    session_secret: SecretStr | None = None
    log_level: str = "INFO"
    page_size_max: int = 500
    #: The largest contract document accepted, in MiB (``diff``/``check``/``publish`` files,
    #: the server's upload routes, files reached by relative ``$ref``); larger ones are
    #: refused before they are read or parsed.
    max_document_mb: int = Field(default=MAX_DOCUMENT_MB, gt=0, le=4096)
    #: Hosts ``catalog import`` may fetch ``$text``/``$json``/``$yaml`` URLs from (``host`` or
    #: ``host:port``, comma-separated). Empty: URL substitutions are refused.
    catalog_url_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: The largest document a catalog URL substitution may return, in KiB.
    catalog_url_max_kb: int = Field(default=1024, gt=0, le=65536)
    #: ``flags lint`` rules the server enforces on every flag write (comma-separated; empty
    #: enforces none). Flags stored before a rule was enforced show as ``ungoverned`` debt.
    #: Any of: owner, type, expires, expired, kill-switch, lifetime, telemetry.
    flag_rules: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["owner", "type", "expires"]
    )
    #: How often, in seconds, a server process looks for flag changes written by other
    #: processes sharing its database (its own writes are served at once).
    flag_refresh_seconds: float = Field(default=1.0, ge=0, le=3600)
    #: The port of flagd's gRPC sync service (``flagd.sync.v1.FlagSyncService``), which flagd
    #: in-process providers connect to for local evaluation with pushed changes (flagd's
    #: own default is 8015). Unset: not served.
    sync_port: int | None = Field(default=None, ge=0, le=65535)
    #: The interface the sync service listens on (default: ``host``).
    sync_host: str | None = None
    #: The environment a sync client that sends no selector gets.
    sync_environment: str = "production"
    #: Run background jobs (``services/worker.py``) in this server process. With several
    #: processes on one database each job still runs in one of them at a time (a lease).
    worker: bool = True
    #: Where safety-net state changes (an invariant breached, recovered, in error) are POSTed
    #: as JSON; empty: they wait in the outbox until one is set.
    safety_webhook_url: str | None = None
    #: The HMAC-SHA256 key of the ``X-Unlockstep-Signature`` header of those POSTs.
    safety_webhook_secret: SecretStr | None = None
    #: Environment variables and files (comma-separated) the server's data sources may read
    #: a DSN or header value from; a safety-nets file naming any other is refused when run.
    safety_source_secrets: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Folders (comma-separated) the server opens SQLite data sources in.
    safety_sqlite_dirs: Annotated[list[str], NoDecode] = Field(default_factory=list)

    #: The schema-registry API (``/confluent``): the service that owns a subject no mapping
    #: names and no other service already has a contract for (created on first use).
    schema_registry_service: str = "schema-registry"
    #: Subject patterns (shell-style, first match wins) and the service owning them:
    #: ``orders-*=orders,com.acme.billing.*=billing``.
    schema_registry_subjects: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    #: How the schema-registry API judges compatibility: ``registry`` (each type as
    #: schema-registry users know it) or ``unlockstep`` (as ``contract publish`` does).
    schema_registry_rules: str = Field(default="registry", pattern="^(registry|unlockstep)$")

    #: How often, in seconds, a server process adds the OFREP evaluations it counted to the
    #: daily evaluation counts flag debt reads (and when it stops); 0: only when it stops.
    ofrep_count_seconds: float = Field(default=10.0, ge=0, le=3600)
    #: Usage evidence (``docs/usage.md``): how long hourly and daily rollups are kept, in
    #: days; the most usage series one service may create (further series are refused and
    #: counted); the environment of points whose resource names none.
    usage_hourly_days: int = Field(default=14, ge=1, le=366)
    usage_daily_days: int = Field(default=400, ge=1, le=3660)
    usage_series_per_service: int = Field(default=10_000, ge=1)
    usage_environment: str = "production"
    #: How often, in seconds, a server process writes the usage points it accepted to the
    #: rollups (``docs/usage.md``: a crash loses at most this long of delta counters).
    usage_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    #: A Prometheus-compatible query API (Prometheus, Thanos, Mimir) for usage blockers
    #: written in PromQL and for analysis checks that name no ``address``; empty: none.
    prometheus_url: str = ""

    #: Policies (docs/policies.md). A folder of Rego v1 policies and exceptions.yaml the
    #: server publishes as a new policy version at start when its content changed.
    policies_dir: str | None = None
    #: Seconds one Rego policy may run on one subject before it is stopped (and reported).
    policy_timeout: float = Field(default=1.0, gt=0, le=60)
    #: Built-in rules that block at the server's admission points (comma-separated; the
    #: others are reported as warnings there). Rego ``deny`` rules always block. Empty by
    #: default: flag writes already enforce ``flag_rules``, and the rest are new.
    policy_enforce: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: What can-i-deploy does about a consumer the catalog declares but that has published no
    #: expectation, per environment: ``env=mode`` pairs, comma-separated, ``*`` for the rest;
    #: mode ``unknown`` (the answer is at most unknown), ``warn`` (a gate that informs) or
    #: ``off``.
    hidden_dependencies: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"*": "unknown"}
    )

    @property
    def source_policy(self) -> SourcePolicy:
        """What the server's safety-net sources may read (``sources.connect``)."""
        from unlockstep.sources.connect import SourcePolicy

        return SourcePolicy(frozenset(self.safety_source_secrets), tuple(self.safety_sqlite_dirs))

    @property
    def max_document_bytes(self) -> int:
        return self.max_document_mb * 1024 * 1024

    @field_validator("catalog_url_hosts", mode="before")
    @classmethod
    def _parse_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @field_validator("safety_source_secrets", "safety_sqlite_dirs", mode="before")
    @classmethod
    def _parse_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("schema_registry_subjects", mode="before")
    @classmethod
    def _parse_subjects(cls, value: Any) -> Any:
        if isinstance(value, str):
            pairs: dict[str, str] = {}
            for item in (i.strip() for i in value.split(",")):
                pattern, sep, service = item.partition("=")
                if item and (not sep or not pattern.strip() or not service.strip()):
                    raise ValueError(
                        f"UNLOCKSTEP_SCHEMA_REGISTRY_SUBJECTS item {item!r} is not pattern=service"
                    )
                if item:
                    pairs[pattern.strip()] = service.strip()
            return pairs
        return value

    @field_validator("flag_rules", mode="before")
    @classmethod
    def _parse_flag_rules(cls, value: Any) -> Any:
        rules = (
            [r.strip() for r in value.split(",") if r.strip()] if isinstance(value, str) else value
        )
        known = ("owner", "type", "expires", "expired", "kill-switch", "lifetime", "telemetry")
        unknown = [r for r in rules or () if r not in known]
        if unknown:
            raise ValueError(
                f"unknown flag rule(s) {', '.join(map(str, unknown))}; "
                f"use any of {', '.join(known)}"
            )
        return rules

    @field_validator("policy_enforce", mode="before")
    @classmethod
    def _parse_enforce(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @field_validator("hidden_dependencies", mode="before")
    @classmethod
    def _parse_hidden(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        modes: dict[str, str] = {}
        for item in (i.strip() for i in value.split(",") if i.strip()):
            env, sep, mode = item.partition("=")
            if not sep or mode.strip() not in ("unknown", "warn", "off"):
                raise ValueError(
                    f"hidden_dependencies item {item!r} is not env=mode "
                    "(mode: unknown, warn or off)"
                )
            modes[env.strip()] = mode.strip()
        return modes

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _parse_tokens(cls, value: Any) -> Any:
        # Messages name the position and the token's name, never a secret.
        if isinstance(value, str):
            pairs: dict[str, str] = {}
            for number, item in enumerate(value.split(","), start=1):
                item = item.strip()
                if not item:
                    continue
                name, sep, secret = item.partition(":")
                name, secret = name.strip(), secret.strip()
                if not sep or not name or not secret:
                    raise ValueError(
                        f"UNLOCKSTEP_API_TOKENS item {number} is not name:secret "
                        "(pairs, comma-separated)"
                    )
                if not _TOKEN_NAME.fullmatch(name):
                    raise ValueError(
                        f"UNLOCKSTEP_API_TOKENS item {number}: a name is letters, digits, "
                        "'.', '_' or '-'"
                    )
                if name in pairs:
                    raise ValueError(f"UNLOCKSTEP_API_TOKENS names {name!r} twice")
                pairs[name] = secret
            return pairs
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(_FileSource(settings_cls, read_file(path, set(cls.model_fields))))
        return tuple(sources)

    def masked(self) -> dict[str, Any]:
        """The settings for a log line, with secrets and database passwords hidden."""
        data = self.model_dump()
        data["api_tokens"] = {name: "***" for name in self.api_tokens}
        data["token"] = "***" if self.token else None
        data["session_secret"] = "***" if self.session_secret else None
        data["database_url"] = mask_url(self.database_url)
        data["safety_webhook_secret"] = "***" if self.safety_webhook_secret else None
        if self.safety_webhook_url:
            data["safety_webhook_url"] = mask_url(self.safety_webhook_url)
        data["prometheus_url"] = mask_url(self.prometheus_url)
        return data


class _FileSource(PydanticBaseSettingsSource):
    """The settings file's values, read (and checked) by ``unlockstep.config.read_file``."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


def mask_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
