"""The runtime around Prefect: one look at a case (case_runner), a coordinator's entry
from the UI (coordinator_input), the sweep's logic (sweeper), every call to Prefect's
API (orchestration, prefect_api, signals), and the processes `ehcp up` runs (serving,
supervisor). Flows and tasks are thin wrappers over these."""
