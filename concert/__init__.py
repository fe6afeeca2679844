"""The `concert` command line and the runtime wiring shared by producers, consumers and tests."""
