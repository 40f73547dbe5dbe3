-- The database, not the library, keeps names unique, so that concurrent creates
-- from any number of processes cannot both win.
CREATE UNIQUE INDEX IF NOT EXISTS ix_owtt_sponsored_allowance_name
    ON token_tracking_sponsored_allowance (name)
