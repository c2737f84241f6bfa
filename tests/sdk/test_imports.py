import subprocess
import sys


def test_importing_the_sdk_pulls_in_no_server_or_database_module() -> None:
    code = (
        "import sys, unlockstep.sdk\n"
        "bad = [m for m in sys.modules if m.startswith(('unlockstep.server', 'unlockstep.store',"
        " 'sqlalchemy', 'fastapi', 'alembic', 'uvicorn'))]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
