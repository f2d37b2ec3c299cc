"""Read-only views of cases for people and other systems: the timeline as the stable
JSON document (CLI, API) and as the Prefect artifact a coordinator reads."""
