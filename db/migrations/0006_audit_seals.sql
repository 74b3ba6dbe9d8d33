-- The audit log's hash chain: one seal per audit_log row, in the order rows were sealed.
--
-- Rows are inserted into audit_log unchained (a hire takes no extra lock for them); a
-- sealer (the store server every few seconds, and `python main.py audit verify`) appends
-- a seal for each row not sealed yet. A seal's hash is an HMAC, under a key kept outside
-- the database, of the previous seal's hash, its own number and the row as it was; its
-- field tags are short HMACs of each of the row's columns, so `audit verify` can say which
-- one was changed. See store/audit.py and docs/reliability.md.
--
-- seq is given by the sealer, not AUTO_INCREMENT: 1, 2, 3... with no gaps, so a deleted
-- seal shows as a gap. Two sealers racing for the same seq or the same row collide on a
-- key and one of them tries again. No foreign key to audit_log: a deleted audit row must
-- leave its seal behind for `audit verify` to report, not be refused or cascade.
-- The application's account may SELECT and INSERT here, never UPDATE or DELETE.
CREATE TABLE IF NOT EXISTS audit_seals (
    seq         BIGINT UNSIGNED NOT NULL,
    audit_id    BIGINT UNSIGNED NOT NULL,
    hash        CHAR(64)     NOT NULL,             -- hex HMAC-SHA256
    field_tags  VARCHAR(160) NOT NULL,             -- 8 hex digits per audit_log column
    sealed_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE KEY uq_audit_seals_audit (audit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
