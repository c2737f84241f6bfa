"""Pure logic: no I/O, no database, no HTTP, no logging setup."""
