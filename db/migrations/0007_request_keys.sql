-- Exactly once under retries: one row per write a terminal made under a request key.
--
-- The terminal makes a random 128-bit key for each clerk's action (a hire, a payment, a
-- return...) and reuses it for every retry of that action. The row is inserted in the
-- action's own transaction, with the reply the clerk was shown, so it exists exactly when
-- the action was written: a retry after a commit whose answer was lost finds it and gets
-- the stored reply instead of doing the action twice (store/once.py). The same key with
-- another staff member, op or arguments is refused (KEY_REUSED).
--
-- Rows are kept a day (store/once.py KEEP), then purged by the store server; the
-- application's account may SELECT, INSERT and DELETE here, never UPDATE.
CREATE TABLE IF NOT EXISTS request_keys (
    request_key  CHAR(32)     CHARACTER SET ascii NOT NULL,  -- 128 random bits, hex
    staff_id     INT UNSIGNED NOT NULL,
    op           VARCHAR(64)  NOT NULL,
    args_digest  CHAR(64)     CHARACTER SET ascii NOT NULL,  -- SHA-256 of the arguments
    reply        MEDIUMTEXT   NOT NULL,                      -- the result, as JSON
    created_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (request_key),
    KEY ix_request_keys_created (created_at),
    CONSTRAINT fk_request_keys_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
