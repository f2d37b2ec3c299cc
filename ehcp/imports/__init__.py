"""`ehcp import`: a council's existing caseload from a CSV file (README, "Importing an
existing caseload"). columns.py reads the file, validate.py checks each row against the
rules every live write obeys, load.py stores the good rows, each case whole or not at all."""
