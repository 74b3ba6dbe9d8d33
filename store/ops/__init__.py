"""The store server's ops, grouped by service; each group's `handlers()` maps op names to
functions (connection, args) -> result. Who may call each op: store/roles.py."""
