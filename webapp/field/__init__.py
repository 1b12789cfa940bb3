"""The practitioners' field app: caseload, child pages, visit and case-note forms, the PWA files."""
