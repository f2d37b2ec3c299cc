"""Reports over a year of requests: the DfE's timeliness figure and the SEN2 export.

cohort.py reads the store into SEN2-shaped records (the only module here that queries);
kpi.py computes the figures from records (pure); sen2.py writes and reads the CSV.
"""
