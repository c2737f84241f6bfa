-- The table as it has been for years (baseline).
CREATE TABLE cases (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  text        NOT NULL,
    status     text        NOT NULL DEFAULT 'open',
    escalated  boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_tenant_idx ON cases (tenant_id);
