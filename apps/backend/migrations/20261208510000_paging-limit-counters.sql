-- Up Migration

-- The per-user, per-tenant and global paging limits, counted where every backend sees the same count: with
-- N backends on one database they allow exactly what one allows (each process's memory allowed N times as
-- much). One row per limit and key ('' for the global one). A window starts at the first raise it counts
-- and ends `window_ends_at`, from the backend's clock (never now(): tests move time); the next raise after
-- that starts a new window. A raise is counted by one conditional upsert in its own statement
-- (alerts/paging-limit.repository.ts): counted in full or refused, never half.
CREATE TABLE paging_limit_counters (
  name text NOT NULL CHECK (name IN ('per_user', 'per_tenant', 'global')),
  key text NOT NULL,
  count integer NOT NULL CHECK (count >= 0),
  -- The limit in force when the row was last counted: the upsert compares against it (an ON CONFLICT
  -- clause sees only the row and the proposed one).
  cap integer NOT NULL CHECK (cap >= 0),
  window_ends_at timestamptz NOT NULL,
  PRIMARY KEY (name, key)
);

-- Pruning reads the oldest ended windows first.
CREATE INDEX paging_limit_counters_window_ends_at ON paging_limit_counters (window_ends_at);

-- A raise over a limit must undo the whole statement it is part of (the alert, its jobs, the other limits'
-- counts), and only an error does that in one statement. KL429 tells it apart from every other error; the
-- detail names the limit and when its window ends, for the 429's sentence and Retry-After.
CREATE FUNCTION paging_limit_refused(refused text, window_ends_at timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'paging limit % reached', refused
    USING ERRCODE = 'KL429',
          DETAIL = json_build_object('limit', refused, 'window_ends_at', window_ends_at)::text;
END
$$;

-- Down Migration
DROP FUNCTION paging_limit_refused(text, timestamptz);
DROP TABLE paging_limit_counters;
