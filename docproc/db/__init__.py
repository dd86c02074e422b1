"""The case database: models, repository functions, sessions and migrations."""
