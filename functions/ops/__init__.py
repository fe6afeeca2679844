"""Operations on the platform shared by the CLI and the dashboard API."""
