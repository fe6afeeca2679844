"""The `concert` command line: its commands, their settings, and the runtime that wires the local
platform (`cloud/`) to the deployed stack (`infra/`)."""
