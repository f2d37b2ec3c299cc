"""EHC needs assessments as durable workflows: the domain core and its adapters."""
