-- The legacy case store: the system of record for cases until the strangler migration to
-- case-service finishes. Loaded read-only into a private in-memory SQLite database by the
-- `legacy-cases` source of case-service.yaml.
CREATE TABLE legacy_cases (
    case_ref   TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    state      TEXT NOT NULL,     -- OPEN, ESCALATED, CLOSED (upper case, as the old UI wrote it)
    escalated  INTEGER NOT NULL,
    opened_on  TEXT NOT NULL
);
INSERT INTO legacy_cases VALUES
    ('CASE-1001', 'acme',    'OPEN',      0, '2026-05-02'),
    ('CASE-1002', 'acme',    'ESCALATED', 1, '2026-05-03'),
    ('CASE-1003', 'globex',  'CLOSED',    0, '2026-05-03'),
    ('CASE-1004', 'globex',  'CLOSED',    0, '2026-05-04'),
    ('CASE-1005', 'initech', 'OPEN',      0, '2026-05-06'),
    ('CASE-1006', 'initech', 'ESCALATED', 1, '2026-05-07'),
    ('CASE-1007', 'acme',    'OPEN',      0, '2026-05-09'),
    ('CASE-1008', 'umbrella','OPEN',      0, '2026-05-10');
