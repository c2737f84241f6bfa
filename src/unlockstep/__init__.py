"""unlockstep: release coordination without distributed lockstep."""

__version__ = "0.1.0"
