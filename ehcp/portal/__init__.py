"""The contributor portal: one signed, expiring link per advice request."""
