-- Up Migration

-- Every sweep looks for queued deliveries whose job is gone (deleted, or failed for good) and older than a
-- grace period; this keeps that look a short index range instead of a scan of every delivery ever made.
CREATE INDEX deliveries_queued ON deliveries (updated_at) WHERE status = 'queued';

-- Down Migration
DROP INDEX deliveries_queued;
