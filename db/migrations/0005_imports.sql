-- What imports wrote, so that running one again changes nothing the second time.
--
-- import_keys maps a source's own ids (Sakila's film_id 7, say) to the rows they became:
-- later stages find their parents through it, and a stage run again skips what it has.
-- import_stages records each finished stage; it is written in the stage's own transaction,
-- so a stage is either whole and recorded, or absent and run again next time.
CREATE TABLE IF NOT EXISTS import_keys (
    source      VARCHAR(32)     NOT NULL,          -- e.g. sakila
    kind        VARCHAR(32)     NOT NULL,          -- the source's table: film, customer, ...
    source_id   BIGINT UNSIGNED NOT NULL,
    target_id   BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (source, kind, source_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS import_stages (
    source       VARCHAR(32)  NOT NULL,
    stage        VARCHAR(32)  NOT NULL,            -- stores, staff, titles, ...
    rows_added   INT UNSIGNED NOT NULL,
    finished_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (source, stage)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
