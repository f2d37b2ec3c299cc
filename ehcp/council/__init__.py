"""Per-council configuration files under config/<council>/."""
