"""The project's web app: the coordinators' case API (and, next, intake and the portal)."""
