-- Step 5 (contract): enforce the basis in the database once every writer sets it.
-- The CHECK rejects NULL writes from the moment it is added (even NOT VALID): that is the
-- contract step, and it waits until no running writer leaves the column empty.
SET lock_timeout = '5s';
ALTER TABLE cases
    ADD CONSTRAINT cases_escalation_basis_not_null
    CHECK (escalation_basis IS NOT NULL) NOT VALID;
-- Validating scans the table without blocking reads or writes.
ALTER TABLE cases VALIDATE CONSTRAINT cases_escalation_basis_not_null;
-- With the validated check in place SET NOT NULL needs no scan (PostgreSQL 12+).
ALTER TABLE cases ALTER COLUMN escalation_basis SET NOT NULL;
