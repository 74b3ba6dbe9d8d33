-- Videostore schema, version 1. Applied by db/schema.py to an empty database; later
-- changes are numbered migrations in db/migrations/ run after it.
--
-- Conventions: InnoDB, utf8mb4; every time is UTC in DATETIME(6), written by the
-- application from the store server's clock (never NOW() in business rows); money is
-- DECIMAL(8,2); every foreign key is declared; every lookup a screen does has an index.
-- Runs on MariaDB 10.6+ and MySQL 8. Statements end with ';' at the end of a line.

CREATE TABLE stores (
    id          INT UNSIGNED NOT NULL AUTO_INCREMENT,
    name        VARCHAR(100) NOT NULL,
    address     VARCHAR(255) NOT NULL DEFAULT '',
    phone       VARCHAR(32)  NOT NULL DEFAULT '',
    timezone    VARCHAR(64)  NOT NULL DEFAULT 'UTC',
    created_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_stores_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE staff (
    id             INT UNSIGNED NOT NULL AUTO_INCREMENT,
    store_id       INT UNSIGNED NOT NULL,
    username       VARCHAR(64)  NOT NULL,
    full_name      VARCHAR(100) NOT NULL DEFAULT '',
    email          VARCHAR(254) NOT NULL DEFAULT '',
    password_hash  VARCHAR(255) NOT NULL,
    role           ENUM('admin','manager','clerk') NOT NULL DEFAULT 'clerk',
    active         BOOLEAN      NOT NULL DEFAULT TRUE,
    failed_logins  SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    locked_until   DATETIME(6)  NULL,
    last_login     DATETIME(6)  NULL,
    totp_secret    VARCHAR(64)  NULL,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_staff_username (username),
    KEY ix_staff_store_role (store_id, role),
    CONSTRAINT fk_staff_store FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customers (
    id             INT UNSIGNED NOT NULL AUTO_INCREMENT,
    store_id       INT UNSIGNED NOT NULL,           -- home store; may hire in any store
    card_number    VARCHAR(20)  NOT NULL,
    first_name     VARCHAR(50)  NOT NULL,
    last_name      VARCHAR(50)  NOT NULL,
    phone          VARCHAR(32)  NULL,               -- normalised digits, unique when given
    email          VARCHAR(254) NULL,
    address_line1  VARCHAR(100) NOT NULL DEFAULT '',
    address_line2  VARCHAR(100) NOT NULL DEFAULT '',
    city           VARCHAR(60)  NOT NULL DEFAULT '',
    postal_code    VARCHAR(16)  NOT NULL DEFAULT '',
    country        VARCHAR(60)  NOT NULL DEFAULT '',
    date_of_birth  DATE         NULL,
    active         BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_customers_card (card_number),
    UNIQUE KEY uq_customers_phone (phone),
    KEY ix_customers_last_first (last_name, first_name),   -- prefix search by surname
    KEY ix_customers_first (first_name),                   -- prefix search by given name
    KEY ix_customers_email (email),
    KEY ix_customers_store (store_id),
    CONSTRAINT fk_customers_store FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE titles (
    id                INT UNSIGNED NOT NULL AUTO_INCREMENT,
    title             VARCHAR(255) NOT NULL,
    release_year      SMALLINT UNSIGNED NULL,
    rating            ENUM('G','PG','PG-13','R','NC-17') NOT NULL DEFAULT 'G',
    genre             VARCHAR(40)  NOT NULL DEFAULT '',
    length_min        SMALLINT UNSIGNED NULL,
    rental_rate       DECIMAL(8,2) NOT NULL,
    rental_days       TINYINT UNSIGNED NOT NULL,
    replacement_cost  DECIMAL(8,2) NOT NULL,
    description       TEXT         NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY ix_titles_title (title),                  -- prefix search: title LIKE 'abc%'
    KEY ix_titles_genre (genre),
    KEY ix_titles_rating (rating),
    FULLTEXT KEY ft_titles_title (title),          -- word search in titles
    FULLTEXT KEY ft_titles_title_description (title, description),
    CONSTRAINT ck_titles_money CHECK (rental_rate >= 0 AND replacement_cost >= 0),
    CONSTRAINT ck_titles_days CHECK (rental_days >= 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A physical copy (the seed's "video version").
CREATE TABLE copies (
    id           INT UNSIGNED NOT NULL AUTO_INCREMENT,
    title_id     INT UNSIGNED NOT NULL,
    store_id     INT UNSIGNED NOT NULL,
    format       ENUM('VHS','DVD','Blu-ray','4K') NOT NULL DEFAULT 'DVD',
    barcode      VARCHAR(32)  NOT NULL,
    copy_number  INT UNSIGNED NOT NULL,            -- 1, 2, 3 ... within its title
    status       ENUM('available','hired','held','damaged','lost','retired')
                 NOT NULL DEFAULT 'available',
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_copies_barcode (barcode),
    UNIQUE KEY uq_copies_title_number (title_id, copy_number),
    KEY ix_copies_store_title_status (store_id, title_id, status),   -- availability here
    KEY ix_copies_store_status (store_id, status),
    CONSTRAINT fk_copies_title FOREIGN KEY (title_id) REFERENCES titles (id),
    CONSTRAINT fk_copies_store FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE hires (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    copy_id       INT UNSIGNED NOT NULL,
    customer_id   INT UNSIGNED NOT NULL,
    store_id      INT UNSIGNED NOT NULL,           -- where it was hired
    hired_by      INT UNSIGNED NOT NULL,
    hired_at      DATETIME(6)  NOT NULL,
    due_at        DATETIME(6)  NOT NULL,
    returned_at   DATETIME(6)  NULL,
    returned_by   INT UNSIGNED NULL,
    rate_charged  DECIMAL(8,2) NOT NULL,
    late_fee      DECIMAL(8,2) NOT NULL DEFAULT 0.00,
    renewals      TINYINT UNSIGNED NOT NULL DEFAULT 0,
    -- The copy while the hire is open, NULL once returned. Its unique key allows at most
    -- one open hire per copy (NULLs do not collide): MySQL has no partial index.
    open_copy_id  INT UNSIGNED AS (IF(returned_at IS NULL, copy_id, NULL)) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY uq_hires_open_copy (open_copy_id),
    KEY ix_hires_copy_hired (copy_id, hired_at),                 -- a copy's history
    KEY ix_hires_customer_returned (customer_id, returned_at),   -- a customer's open hires
    KEY ix_hires_store_open_due (store_id, returned_at, due_at), -- overdue, due today
    KEY ix_hires_store_hired (store_id, hired_at),               -- daily reports
    KEY ix_hires_hired_by (hired_by, hired_at),
    CONSTRAINT fk_hires_copy FOREIGN KEY (copy_id) REFERENCES copies (id),
    CONSTRAINT fk_hires_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
    CONSTRAINT fk_hires_store FOREIGN KEY (store_id) REFERENCES stores (id),
    CONSTRAINT fk_hires_hired_by FOREIGN KEY (hired_by) REFERENCES staff (id),
    CONSTRAINT fk_hires_returned_by FOREIGN KEY (returned_by) REFERENCES staff (id),
    CONSTRAINT ck_hires_money CHECK (rate_charged >= 0 AND late_fee >= 0),
    CONSTRAINT ck_hires_due CHECK (due_at > hired_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What a customer owes: one row per charge. Balance = SUM(charges) - SUM(payments).
CREATE TABLE charges (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    customer_id  INT UNSIGNED NOT NULL,
    hire_id      BIGINT UNSIGNED NULL,
    store_id     INT UNSIGNED NOT NULL,
    staff_id     INT UNSIGNED NOT NULL,
    kind         ENUM('rental','late_fee','replacement','waiver','adjustment') NOT NULL,
    amount       DECIMAL(8,2) NOT NULL,            -- negative for a waiver
    created_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY ix_charges_customer (customer_id, created_at),
    KEY ix_charges_hire (hire_id),
    KEY ix_charges_store_created (store_id, created_at),
    CONSTRAINT fk_charges_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
    CONSTRAINT fk_charges_hire FOREIGN KEY (hire_id) REFERENCES hires (id),
    CONSTRAINT fk_charges_store FOREIGN KEY (store_id) REFERENCES stores (id),
    CONSTRAINT fk_charges_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Money taken (or, for a refund, given back: a negative amount).
CREATE TABLE payments (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    customer_id  INT UNSIGNED NOT NULL,
    hire_id      BIGINT UNSIGNED NULL,
    store_id     INT UNSIGNED NOT NULL,
    staff_id     INT UNSIGNED NOT NULL,
    kind         ENUM('rental','late_fee','replacement','refund','account') NOT NULL,
    amount       DECIMAL(8,2) NOT NULL,
    paid_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY ix_payments_customer (customer_id, paid_at),
    KEY ix_payments_hire (hire_id),
    KEY ix_payments_store_paid (store_id, paid_at),   -- daily takings per store
    KEY ix_payments_staff_paid (staff_id, paid_at),   -- daily takings per clerk
    CONSTRAINT fk_payments_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
    CONSTRAINT fk_payments_hire FOREIGN KEY (hire_id) REFERENCES hires (id),
    CONSTRAINT fk_payments_store FOREIGN KEY (store_id) REFERENCES stores (id),
    CONSTRAINT fk_payments_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A customer waiting for a title at a store. Queue order: placed_at, then id.
CREATE TABLE holds (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    customer_id  INT UNSIGNED NOT NULL,
    title_id     INT UNSIGNED NOT NULL,
    store_id     INT UNSIGNED NOT NULL,
    placed_by    INT UNSIGNED NOT NULL,
    placed_at    DATETIME(6)  NOT NULL,
    status       ENUM('waiting','ready','fulfilled','cancelled','expired')
                 NOT NULL DEFAULT 'waiting',
    copy_id      INT UNSIGNED NULL,                -- the copy set aside once ready
    ready_at     DATETIME(6)  NULL,
    expires_at   DATETIME(6)  NULL,                -- end of the hold-shelf wait
    closed_at    DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY ix_holds_queue (title_id, store_id, status, placed_at),
    KEY ix_holds_customer (customer_id, status),
    KEY ix_holds_copy (copy_id),
    KEY ix_holds_store_status_expires (store_id, status, expires_at),
    CONSTRAINT fk_holds_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
    CONSTRAINT fk_holds_title FOREIGN KEY (title_id) REFERENCES titles (id),
    CONSTRAINT fk_holds_store FOREIGN KEY (store_id) REFERENCES stores (id),
    CONSTRAINT fk_holds_placed_by FOREIGN KEY (placed_by) REFERENCES staff (id),
    CONSTRAINT fk_holds_copy FOREIGN KEY (copy_id) REFERENCES copies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A staff member's login at a terminal. The token itself is never stored, only its hash.
CREATE TABLE sessions (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    staff_id      INT UNSIGNED NOT NULL,
    token_hash    CHAR(64)     NOT NULL,
    terminal      VARCHAR(64)  NOT NULL DEFAULT '',
    client_addr   VARCHAR(64)  NOT NULL DEFAULT '',
    started_at    DATETIME(6)  NOT NULL,
    last_seen_at  DATETIME(6)  NOT NULL,
    ended_at      DATETIME(6)  NULL,
    end_reason    VARCHAR(32)  NULL,               -- logout, expired, ended_by_admin, ...
    PRIMARY KEY (id),
    UNIQUE KEY uq_sessions_token (token_hash),
    KEY ix_sessions_staff_ended (staff_id, ended_at),
    KEY ix_sessions_ended_started (ended_at, started_at),
    CONSTRAINT fk_sessions_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who did what to which row, with the old and new values of money and stock changes.
CREATE TABLE audit_log (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    at          DATETIME(6)  NOT NULL,
    staff_id    INT UNSIGNED NULL,
    store_id    INT UNSIGNED NULL,
    action      VARCHAR(64)  NOT NULL,             -- e.g. hire.create, fee.waive
    table_name  VARCHAR(64)  NOT NULL,
    row_id      BIGINT UNSIGNED NULL,
    old_values  JSON         NULL,
    new_values  JSON         NULL,
    reason      VARCHAR(255) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY ix_audit_row (table_name, row_id),
    KEY ix_audit_at (at),
    KEY ix_audit_staff_at (staff_id, at),
    CONSTRAINT fk_audit_staff FOREIGN KEY (staff_id) REFERENCES staff (id),
    CONSTRAINT fk_audit_store FOREIGN KEY (store_id) REFERENCES stores (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Shop-wide rules: fees, limits, ages. Values are text, read through one settings service.
CREATE TABLE settings (
    name        VARCHAR(64)  NOT NULL,
    value       VARCHAR(255) NOT NULL,
    description VARCHAR(255) NOT NULL DEFAULT '',
    updated_at  DATETIME(6)  NOT NULL,
    updated_by  INT UNSIGNED NULL,
    PRIMARY KEY (name),
    CONSTRAINT fk_settings_updated_by FOREIGN KEY (updated_by) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE schema_version (
    version      INT UNSIGNED NOT NULL,
    description  VARCHAR(255) NOT NULL,
    applied_at   DATETIME(6)  NOT NULL,
    PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO settings (name, value, description, updated_at) VALUES
    ('late_fee_per_day',     '1.00', 'Late fee for each whole day past due and grace', UTC_TIMESTAMP(6)),
    ('grace_hours',          '2',    'Hours after the due time before a hire is late', UTC_TIMESTAMP(6)),
    ('late_fee_cap',         'replacement_cost', 'Late fee never exceeds this: replacement_cost or an amount', UTC_TIMESTAMP(6)),
    ('max_open_hires',       '5',    'Open hires a customer may have at once', UTC_TIMESTAMP(6)),
    ('blocking_balance',     '10.00','A balance above this blocks hiring', UTC_TIMESTAMP(6)),
    ('min_age_R',            '17',   'Minimum age to hire an R title', UTC_TIMESTAMP(6)),
    ('min_age_NC-17',        '18',   'Minimum age to hire an NC-17 title', UTC_TIMESTAMP(6)),
    ('hold_shelf_days',      '3',    'Days a held copy waits before it goes to the next hold', UTC_TIMESTAMP(6)),
    ('renewal_limit',        '2',    'Times one hire may be renewed', UTC_TIMESTAMP(6)),
    ('require_totp_admins',  '0',    '1: admins must log in with a second factor', UTC_TIMESTAMP(6));

INSERT INTO schema_version (version, description, applied_at) VALUES
    (1, 'schema.sql: initial data model', UTC_TIMESTAMP(6));
