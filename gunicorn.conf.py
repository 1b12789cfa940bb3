"""gunicorn's settings for this app, read from the working directory when it starts.

Access lines go through webapp.access_log, which redacts query-string values (a caseload
search may hold a child's name). Access logging is on only when asked for, e.g.
`--access-logfile -`.
"""
logger_class = "webapp.access_log.GunicornLogger"
