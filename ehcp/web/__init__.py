"""The project's web app: the intake webhook, the contributor portal and the case API."""
