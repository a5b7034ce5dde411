-- Up Migration

-- The summary alert that stands for this one: Alertmanager alerts recorded under a summary page nobody
-- themselves, so acknowledging or resolving the summary does the same to them.
ALTER TABLE alerts ADD COLUMN covered_by uuid REFERENCES alerts (id);

-- Only recorded alerts have one; the summary's transition looks its open ones up by it.
CREATE INDEX alerts_covered_by ON alerts (covered_by) WHERE covered_by IS NOT NULL;

-- Down Migration
DROP INDEX alerts_covered_by;
ALTER TABLE alerts DROP COLUMN covered_by;
