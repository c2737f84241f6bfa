"""FastAPI app factory and thin routers over ``store`` and ``core``."""
