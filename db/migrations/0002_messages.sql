-- Staff notices (the seed's chat broadcast): to every terminal of a store, or to one
-- staff member. Who has read what is one row per reader, so a store-wide notice can be
-- unread for some and read for others.
CREATE TABLE IF NOT EXISTS messages (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    sender_id     INT UNSIGNED NOT NULL,
    store_id      INT UNSIGNED NULL,             -- to every terminal of this store ...
    recipient_id  INT UNSIGNED NULL,             -- ... or to this staff member
    body          VARCHAR(1000) NOT NULL,
    sent_at       DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY ix_messages_store_sent (store_id, sent_at),
    KEY ix_messages_recipient_sent (recipient_id, sent_at),
    CONSTRAINT fk_messages_sender FOREIGN KEY (sender_id) REFERENCES staff (id),
    CONSTRAINT fk_messages_store FOREIGN KEY (store_id) REFERENCES stores (id),
    CONSTRAINT fk_messages_recipient FOREIGN KEY (recipient_id) REFERENCES staff (id),
    CONSTRAINT ck_messages_one_audience CHECK ((store_id IS NULL) <> (recipient_id IS NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS message_reads (
    message_id  BIGINT UNSIGNED NOT NULL,
    staff_id    INT UNSIGNED NOT NULL,
    read_at     DATETIME(6) NOT NULL,
    PRIMARY KEY (message_id, staff_id),
    KEY ix_message_reads_staff (staff_id),
    CONSTRAINT fk_message_reads_message FOREIGN KEY (message_id) REFERENCES messages (id),
    CONSTRAINT fk_message_reads_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
