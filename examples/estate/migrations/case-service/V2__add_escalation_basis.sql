-- Step 1 (expand): every escalated case will carry a machine-readable escalation basis.
-- Nullable, no default: old code that never heard of the column keeps working.
SET lock_timeout = '5s';
ALTER TABLE cases ADD COLUMN escalation_basis text;
