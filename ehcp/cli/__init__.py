"""The `ehcp` command line for coordinators and operators."""
