-- Only for connections that owtt_async did not open itself (a plain
-- databases.Database opens a new one for every acquire). PRAGMA takes no bound
-- parameters; the value is owtt_async's default busy timeout, 15 seconds.
PRAGMA busy_timeout = 15000
