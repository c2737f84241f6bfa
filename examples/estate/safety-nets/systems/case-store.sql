-- case-service's own store (the new system), fed by the backfill and, for new cases, by
-- case-service itself; with its transactional outbox for the case-events topic. Loaded
-- read-only into a private in-memory SQLite database by the `case-store` source.
CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    legacy_ref       TEXT UNIQUE,
    tenant_id        TEXT NOT NULL,
    status           TEXT NOT NULL,  -- open, escalated, closed
    escalated        INTEGER NOT NULL,
    escalation_basis TEXT,
    created_at       TEXT NOT NULL
);
CREATE TABLE case_events_outbox (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    event        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    published_at TEXT
);
INSERT INTO cases VALUES
    (1, 'CASE-1001', 'acme',     'open',      0, NULL,               '2026-05-02 09:00:00'),
    (2, 'CASE-1002', 'acme',     'escalated', 1, 'risk-score',       '2026-05-03 10:00:00'),
    (3, 'CASE-1003', 'globex',   'closed',    0, NULL,               '2026-05-03 11:00:00'),
    -- the backfill copied CASE-1004 before the legacy system closed it (seeded discrepancy)
    (4, 'CASE-1004', 'globex',   'open',      0, NULL,               '2026-05-04 12:00:00'),
    (5, 'CASE-1005', 'initech',  'open',      0, NULL,               '2026-05-06 08:30:00'),
    (6, 'CASE-1006', 'initech',  'escalated', 1, 'manual-review',    '2026-05-07 14:00:00'),
    -- CASE-1007 has not been backfilled yet (seeded discrepancy: missing on the right)
    (8, 'CASE-1008', 'umbrella', 'open',      0, NULL,               '2026-05-10 16:45:00');
INSERT INTO case_events_outbox VALUES
    (1, 2, 'CaseEscalated', '2026-05-03 10:00:01', '2026-05-03 10:00:02'),
    -- case 6's CaseEscalated event was never published (the breached invariant)
    (2, 6, 'CaseEscalated', '2026-05-07 14:00:01', NULL);
