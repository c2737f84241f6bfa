"""Read-only sources of production evidence outside unlockstep: a Prometheus-compatible query
API (Prometheus, Thanos, Mimir, VictoriaMetrics) today. Raw time series stay there; unlockstep
asks questions and keeps the answers it needs."""
