"""``unlockstep migrations check``: exit 0 safe, 1 breaks running clients, 2 bad input;
the same exit code in every format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from unlockstep.cli.main import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "estate" / "migrations" / "case-service"
FORMATS = ("text", "json", "markdown", "sarif")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["migrations", "check", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def safe(tmp_path: Path) -> Path:
    (tmp_path / "001_add.sql").write_text(
        "SET lock_timeout = '5s';\nALTER TABLE cases ADD COLUMN basis text;\n"
    )
    (tmp_path / "002_backfill.sql").write_text("UPDATE cases SET basis = 'x' WHERE basis IS NULL;")
    return tmp_path


@pytest.fixture
def unsafe(tmp_path: Path) -> Path:
    (tmp_path / "V1__drop.sql").write_text(
        "SET lock_timeout = '5s';\nALTER TABLE cases DROP COLUMN reason;\n"
    )
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_safe_migrations_exit_0_in_every_format(safe: Path, fmt: str) -> None:
    code, out, _ = run(str(safe), "--format", fmt)
    assert code == 0, out
    assert out.strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_contract_step_exits_1_in_every_format(unsafe: Path, fmt: str) -> None:
    code, out, _ = run(str(unsafe), "--format", fmt)
    assert code == 1
    assert "drop-column" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_unparseable_sql_exits_2_naming_file_and_line(tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "V1__bad.sql"
    bad.write_text("SELECT 1;\nALTER TABLE cases ADD COLUMN;\n")
    code, out, err = run(str(bad), "--format", fmt)
    assert code == 2
    assert f"{bad}:2" in err
    assert "Traceback" not in err + out


def test_a_missing_path_exits_2(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope"))
    assert code == 2 and "no such file" in err


def test_text_output_shows_phase_hazards_and_evidence(unsafe: Path) -> None:
    _, out, _ = run(str(unsafe), "--usage-window-days", "45")
    assert "contract" in out
    assert "waits for: cases.reason: no readers or writers for 45 days" in out
    assert "NOT safe while old code is live" in out


def test_json_output_is_stable_for_machines(unsafe: Path) -> None:
    _, out, _ = run(str(unsafe), "--format", "json")
    body = json.loads(out)
    assert body["safe_while_old_code_is_live"] is False
    (path,) = body["paths"]
    assert path["layout"] == "flyway"
    step = path["files"][0]["steps"][1]
    assert step["phase"] == "contract"
    assert step["breaks_running_clients"] is True
    assert step["evidence"][0]["zero_usage_days"] == 30
    assert step["changes"][0]["location"]["line"] == 2


def test_sarif_output_names_rules_and_lines(unsafe: Path) -> None:
    _, out, _ = run(str(unsafe), "--format", "sarif")
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "drop-column" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == ["drop-column"]


def test_usage_file_names_the_services_a_contract_step_waits_for(
    unsafe: Path, tmp_path: Path
) -> None:
    usage = tmp_path / "usage.yaml"
    usage.write_text("cases.reason: [audit-report-service]\n")
    _, out, _ = run(str(unsafe), "--usage", str(usage), "--format", "json")
    step = json.loads(out)["paths"][0]["files"][0]["steps"][1]
    assert step["evidence"][0]["services"] == ["audit-report-service"]


def test_a_malformed_usage_file_exits_2(unsafe: Path, tmp_path: Path) -> None:
    usage = tmp_path / "usage.yaml"
    usage.write_text("cases.reason: audit\n")
    code, _, err = run(str(unsafe), "--usage", str(usage))
    assert code == 2 and "list of service names" in err


def test_the_escalation_basis_demo_tells_the_expand_migrate_contract_story() -> None:
    code, out, _ = run(str(EXAMPLE), "--format", "json")
    assert code == 1  # the last file is the contract step, waiting for evidence
    body = json.loads(out)["paths"][0]
    phases = {
        Path(f["file"]).name: [s["phase"] for s in f["steps"] if s["phase"] != "neutral"]
        for f in body["files"]
    }
    assert phases == {
        "V1__create_cases.sql": ["expand", "expand"],
        "V2__add_escalation_basis.sql": ["expand"],
        "V3__backfill_escalation_basis.sql": ["migrate"],
        "V4__require_escalation_basis.sql": ["contract", "migrate", "migrate"],
    }
    contract = body["files"][3]["steps"][1]
    assert contract["evidence"][0]["subject"] == "cases.escalation_basis"


def test_the_expand_and_migrate_files_of_the_demo_are_safe_on_their_own() -> None:
    files = [
        str(EXAMPLE / n)
        for n in ("V2__add_escalation_basis.sql", "V3__backfill_escalation_basis.sql")
    ]
    code, _, _ = run(*files)
    assert code == 0


def test_help_lists_the_check_command() -> None:
    result = CliRunner().invoke(cli, ["migrations", "--help"])
    assert result.exit_code == 0 and "check" in result.output


ALEMBIC = '''"""add basis"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down}


def upgrade():
{body}
'''


def test_an_alembic_project_is_read_from_its_versions_folder(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (tmp_path / "env.py").write_text("from alembic import context\n")
    (versions / "b_second.py").write_text(
        ALEMBIC.format(rev="b2", down='"a1"', body="    op.drop_column('cases', 'reason')")
    )
    (versions / "a_first.py").write_text(
        ALEMBIC.format(
            rev="a1",
            down="None",
            body="    op.add_column('cases', sa.Column('basis', sa.Text(), nullable=True))",
        )
    )
    code, out, _ = run(str(tmp_path), "--format", "json")
    assert code == 1
    body = json.loads(out)["paths"][0]
    assert body["layout"] == "alembic"
    assert [f["version"] for f in body["files"]] == ["a1", "b2"]
    assert [f["steps"][0]["phase"] for f in body["files"]] == ["expand", "contract"]
    assert body["files"][1]["steps"][0]["statement"] == "op.drop_column('cases', 'reason')"


def test_several_paths_are_reported_together(safe: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sql"
    other.write_text("SET lock_timeout = '1s'; ALTER TABLE t DROP COLUMN c;")
    code, out, _ = run(str(safe / "001_add.sql"), str(other), "--format", "json")
    assert code == 1
    body = json.loads(out)
    assert [p["safe_while_old_code_is_live"] for p in body["paths"]] == [True, False]


_PROBE = """
import sys
from unlockstep.cli.main import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def test_a_text_check_imports_neither_postgast_nor_protobuf_nor_yaml(unsafe: Path) -> None:
    # the classifier reads libpg_query's JSON tree; postgast's package and protobuf's message
    # classes were a third of the process (bench/cli_startup.py)
    argv = ["unlockstep", "migrations", "check", str(unsafe)]
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.argv = {argv!r}\n{_PROBE}"],
        capture_output=True,
        text=True,
    )
    assert "NOT safe while old code is live" in result.stdout  # the check really ran
    assert {"postgast", "google", "yaml"} & set(result.stderr.split()) == set()
