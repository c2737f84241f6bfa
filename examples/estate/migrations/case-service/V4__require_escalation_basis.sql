-- Step 5 (contract): enforce the basis in the database once every writer sets it.
-- Prove it without a long lock first (NOT VALID, then VALIDATE), so SET NOT NULL needs no scan.
SET lock_timeout = '5s';
ALTER TABLE cases
    ADD CONSTRAINT cases_escalation_basis_not_null
    CHECK (escalation_basis IS NOT NULL) NOT VALID;
ALTER TABLE cases VALIDATE CONSTRAINT cases_escalation_basis_not_null;
-- The contract step: old writers that leave the column empty fail from here on.
ALTER TABLE cases ALTER COLUMN escalation_basis SET NOT NULL;
