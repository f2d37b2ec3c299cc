"""Intake: online request forms start a case through a signed webhook."""
