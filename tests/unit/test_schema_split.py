from db.schema import SCHEMA_FILE, split_statements


def test_statements_split_at_semicolons_outside_quotes_and_comments():
    sql = ("CREATE TABLE a (x INT); -- a comment; with a semicolon\n"
           "INSERT INTO a VALUES ('it''s; fine', \"q;\", `b;`); # another; comment\n"
           "SELECT 1-1;")
    assert split_statements(sql) == [
        "CREATE TABLE a (x INT)",
        "INSERT INTO a VALUES ('it''s; fine', \"q;\", `b;`)",
        "SELECT 1-1",
    ]


def test_schema_sql_holds_every_table_of_the_data_model():
    statements = split_statements(SCHEMA_FILE.read_text())
    created = {s.split()[2] for s in statements if s.startswith("CREATE TABLE")}
    assert created == {"stores", "staff", "customers", "titles", "copies", "hires", "charges",
                       "payments", "holds", "sessions", "audit_log", "settings",
                       "schema_version"}
