"""The thin data-access layer: settings, connections, transactions, schema. No business rules."""
