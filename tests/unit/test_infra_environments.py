"""Environments: the names one function derives from an environment's name, and the settings file
validated at synthesis (infra/names.py, infra/environments.py, infra/environments.toml)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concert.settings import CliSettings
from consumers.kcl_worker import WorkerSettings
from infra import names
from infra.app import environment
from infra.environments import (
    SETTINGS_FILE,
    EnvironmentSettingsError,
    context_keys,
    environments,
    resolve_settings,
)
from infra.names import EnvironmentNameError, names_for, validate_environment
from infra.stacks.api_limits import DEFAULTS, Limit
from infra.stacks.worker import LEASE_TABLE_SUFFIXES
from ml.retraining import ENTRY_POINTS, new_version

# Today's names, spelled out once here so a change to the default environment's names fails.
TODAY = {
    "stack": "ConcertDataPlatform",
    "events_stream": "concert-events",
    "dlq_queue": "concert-events-dlq",
    "upload_failures_queue": "concert-upload-failures",
    "upload_ingest_function": "concert-upload-ingest",
    "live_aggregates_table": "concert-live-aggregates",
    "live_aggregates_function": "concert-live-aggregates",
    "live_aggregates_failures_queue": "concert-live-aggregates-failures",
    "glue_database": "concert_lake",
    "warehouse_namespace": "concert",
    "warehouse_workgroup": "concert",
    "warehouse_database": "concert",
    "etl_state_machine": "concert-etl",
    "etl_function_prefix": "concert-etl-",
    "compaction_state_machine": "concert-compaction",
    "compaction_function_prefix": "concert-compaction-",
    "model_registry_table": "concert-model-registry",
    "retrain_state_machine": "concert-retrain",
    "retrain_function_prefix": "concert-retrain-",
    "training_job_prefix": "concert-",
    "predictions_function": "concert-predictions",
    "predictions_api": "concert-predictions",
    "chat_state_machine": "concert-chat",
    "chat_function_prefix": "concert-chat-",
    "chat_sessions_table": "concert-chat-sessions",
    "chat_api": "concert-chat",
    "dashboard_function_prefix": "concert-dashboard-",
    "dashboard_connections_table": "concert-dashboard-connections",
    "dashboard_signing_secret": "concert-dashboard-signing-key",  # pragma: allowlist secret (a secret's name)
    "dashboard_ws_api": "concert-dashboard-live",
    "dashboard_api": "concert-dashboard",
    "kcl_application": "concert-kcl",
    "kcl_service": "concert-kcl-worker",
    "operations_dashboard": "concert-operations",
}


@pytest.mark.parametrize("env", ["local", "dev"])
def test_the_default_environments_keep_todays_names(env: str) -> None:
    assert names_for(env).physical() == TODAY
    # the module constants are the same function's answers (the callers that predate environments)
    assert (names.STACK_NAME, names.EVENTS_STREAM, names.GLUE_DATABASE) == (
        "ConcertDataPlatform",
        "concert-events",
        "concert_lake",
    )
    assert names.DEAD_LETTER_QUEUES == ("concert-events-dlq", "concert-upload-failures",
                                        "concert-live-aggregates-failures")  # fmt: skip


def test_another_environment_carries_its_name_in_every_name() -> None:
    n = names_for("staging")
    assert n.stack == "ConcertDataPlatform-staging"
    assert n.events_stream == "concert-staging-events"
    assert n.glue_database == "concert_staging_lake"
    assert (n.warehouse_namespace, n.warehouse_workgroup) == ("concert-staging", "concert-staging")
    assert n.warehouse_database == "concert", "a database inside the environment's own namespace"
    for field, value in n.physical().items():
        if field != "warehouse_database":
            assert "staging" in value, field
    hyphenated = names_for("dev-alice")
    assert hyphenated.glue_database == "concert_dev_alice_lake"  # Glue: no hyphens


@pytest.mark.parametrize(
    "bad",
    ["", "Staging", "1st", "dev_alice", "dev--alice", "dev-", "-dev", "a" * 13, "staging!", "etl", "chat-x",
     "ticket", "lake", "kcl"],
)  # fmt: skip
def test_names_that_cannot_name_resources_or_would_overlap_the_defaults_are_refused(bad: str) -> None:
    with pytest.raises(EnvironmentNameError, match=re.escape(repr(bad))):
        names_for(bad)


def test_the_longest_environment_name_fits_every_services_limits() -> None:
    env = "q" * names.MAX_ENVIRONMENT_LENGTH
    n = names_for(validate_environment(env))
    version = new_version(datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    for model in names.TRAINED_MODELS:
        job = n.training_job(model, version)
        assert len(job) <= 63 and re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", job), job
    for rs in (n.warehouse_namespace, n.warehouse_workgroup):  # Redshift Serverless: 3-64, [a-z0-9-]
        assert 3 <= len(rs) <= 64 and re.fullmatch(r"[a-z0-9-]+", rs)
    assert re.fullmatch(r"[a-z0-9_]{1,255}", n.glue_database)
    assert len(n.stack) <= 128 and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", n.stack)
    for queue in n.dead_letter_queues:
        assert len(queue) <= 80
    for machine in n.state_machines:
        assert len(machine) <= 80
    for table in (n.live_aggregates_table, n.model_registry_table, n.chat_sessions_table,
                  n.dashboard_connections_table, *(n.kcl_application + s for s in LEASE_TABLE_SUFFIXES)):  # fmt: skip
        assert 3 <= len(table) <= 255
    # Lambda: 64 characters; the longest suffix a function prefix is given in the app today
    for prefix in (n.etl_function_prefix, n.compaction_function_prefix, n.retrain_function_prefix,
                   n.chat_function_prefix, n.dashboard_function_prefix):  # fmt: skip
        assert len(prefix) + len("http-authorizer-and-more") <= 64, prefix


def test_the_models_named_for_training_jobs_are_those_the_workflow_trains() -> None:
    assert set(names.TRAINED_MODELS) == set(ENTRY_POINTS)


def test_the_workers_default_application_is_the_default_environments() -> None:
    assert WorkerSettings.model_fields["application"].default == names.KCL_APPLICATION


def test_every_environment_of_the_file_is_valid_and_the_defaults_match_todays_knobs() -> None:
    assert environments() == ["local", "dev", "staging", "prod"]
    local, dev = resolve_settings("local"), resolve_settings("dev")
    assert (local.shards, local.on_demand, local.retain_data) == (2, False, False)
    assert (local.load_max_wait_s, local.load_min_rows) == (0, 1), "locally every landing loads at once"
    assert (dev.load_max_wait_s, dev.load_min_rows) == (300, 50_000), "AWS: Firehose-like buffering"
    assert (dev.redshift_base_capacity, dev.stream_retention_hours, dev.alarms.iterator_age_ms) == (
        8,
        48,
        60_000,
    )
    assert DEFAULTS["chat_api"] == Limit(50, 100)
    prod = resolve_settings("prod")
    assert prod.on_demand and prod.retain_data and prod.redshift_base_capacity == 16


def test_the_context_overrides_one_value_and_is_validated_like_the_file() -> None:
    s = resolve_settings("dev", {"shards": "4", "chat_api_throttle": "100/200", "alarm_dead_letters": "3"})
    assert (s.shards, s.throttle.chat_api.rate, s.throttle.chat_api.burst, s.alarms.dead_letters) == (
        4,
        100,
        200,
        3,
    )
    assert {"shards", "on_demand", "chat_api_throttle", "alarm_iterator_age_ms"} <= set(context_keys())
    with pytest.raises(
        EnvironmentSettingsError, match=r"environment 'dev': shards: .*greater than or equal to 1"
    ):
        resolve_settings("dev", {"shards": "0"})
    with pytest.raises(
        EnvironmentSettingsError, match=r"environment 'staging': throttle.chat_api: .*RATE/BURST"
    ):
        resolve_settings("staging", {"chat_api_throttle": "fast"})
    with pytest.raises(EnvironmentSettingsError, match=r"dashboard_link_minters.0"):
        resolve_settings("prod", {"dashboard_link_minters": '["arn:aws:iam::123:user/x"]'})


def test_an_unknown_environment_is_refused_naming_those_defined() -> None:
    with pytest.raises(
        EnvironmentSettingsError, match=r"'qa' is not defined in environments.toml; defined: local, dev"
    ):
        resolve_settings("qa")


def _settings_file(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "environments.toml"
    path.write_text(SETTINGS_FILE.read_text() + "\n" + extra)
    return path


def test_a_bad_value_or_unknown_key_in_the_file_names_the_environment_and_the_field(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, "[environments.qa]\nredshift_base_capacity = 12\nshard = 3\n")
    with pytest.raises(EnvironmentSettingsError) as err:
        resolve_settings("qa", path=path)
    message = str(err.value)
    assert "environment 'qa'" in message
    assert "redshift_base_capacity: Input should be a multiple of 8" in message
    assert "shard: Extra inputs are not permitted" in message
    # the other environments are unaffected by qa's mistakes
    assert resolve_settings("dev", path=path).shards == 2


def test_environment_names_that_would_overlap_are_refused_in_the_file(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentSettingsError, match="'staging-b' begins with 'staging'-"):
        environments(_settings_file(tmp_path, "[environments.staging-b]\n"))
    with pytest.raises(EnvironmentSettingsError, match="may not begin with 'etl'"):
        environments(_settings_file(tmp_path, "[environments.etl-team]\n"))
    # the default environments' names carry no environment: `dev-alice` overlaps nothing
    assert "dev-alice" in environments(_settings_file(tmp_path, "[environments.dev-alice]\n"))


def test_the_cli_and_the_app_default_to_local_locally_and_dev_on_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCERT_ENV", raising=False)
    monkeypatch.delenv("CONCERT_TARGET", raising=False)
    assert CliSettings().environment == "local"
    assert CliSettings(target="aws").environment == "dev"
    assert CliSettings(target="aws").names.stack == "ConcertDataPlatform"
    monkeypatch.setenv("CONCERT_ENV", "staging")
    assert CliSettings(target="aws").names.stack == "ConcertDataPlatform-staging"
    assert CliSettings(env="prod").names.events_stream == "concert-prod-events"
    with pytest.raises(ValueError, match="environment 'Prod'"):
        CliSettings(env="Prod")
    assert (environment(None, for_aws=True), environment(None, for_aws=False)) == ("dev", "local")
    assert environment({"env": "staging"}, for_aws=True) == "staging"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--env", "qa", "status"], "environment 'qa' is not defined in infra/environments.toml"),
        (["--env", "Qa", "status"], "environment 'Qa': want 1-12 lowercase letters"),
        (["--env", "etl-x", "status"], "may not begin with 'etl'"),
        (["deploy", "-c", "env=staging"], "choose the environment with the global --env NAME"),
    ],
)
def test_the_cli_refuses_an_unknown_or_malformed_environment_before_doing_anything(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from concert.cli import main

    saved = dict(os.environ)  # the CLI points boto3 at the local cloud once its settings are valid
    try:
        assert main(argv) == 2
    finally:
        os.environ.clear()
        os.environ.update(saved)
    err = capsys.readouterr().err
    assert err.startswith("concert: error: ") and message in err
