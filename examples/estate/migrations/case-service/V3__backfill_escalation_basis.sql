-- Step 3 (migrate): fill the basis for cases written before the new code set it.
-- Runs while old and new code are both live; batch it on a large table.
UPDATE cases
   SET escalation_basis = CASE WHEN escalated THEN 'legacy-unclassified' ELSE 'not-escalated' END
 WHERE escalation_basis IS NULL;
