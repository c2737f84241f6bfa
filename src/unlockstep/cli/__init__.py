"""The ``unlockstep`` command line. File-only commands work offline; registry commands call
the server at ``UNLOCKSTEP_URL``, never the database."""
