"""The pure core: no Prefect, database or network code, and `now` is always an argument."""
