"""Visit schedules kept for each child: due dates stored, and read back for pages."""
