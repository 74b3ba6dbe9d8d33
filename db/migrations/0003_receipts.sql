-- Receipts: the text a clerk gave the customer for a hire, a return or a payment, kept so
-- it can be printed again exactly as it was.
CREATE TABLE IF NOT EXISTS receipts (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    store_id     INT UNSIGNED NOT NULL,
    staff_id     INT UNSIGNED NOT NULL,
    customer_id  INT UNSIGNED NOT NULL,
    kind         ENUM('hire','return','payment','refund') NOT NULL,
    body         TEXT         NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY ix_receipts_customer_created (customer_id, created_at),
    KEY ix_receipts_store_created (store_id, created_at),
    CONSTRAINT fk_receipts_store FOREIGN KEY (store_id) REFERENCES stores (id),
    CONSTRAINT fk_receipts_staff FOREIGN KEY (staff_id) REFERENCES staff (id),
    CONSTRAINT fk_receipts_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
