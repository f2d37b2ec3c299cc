"""The case store: the project's own tables are the record of every case."""
