"""The sync API: devices post finished records, and read back their caseload and verdicts."""
