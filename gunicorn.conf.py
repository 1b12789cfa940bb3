"""gunicorn's settings for this app, read from the working directory when it starts.

Access lines go through webapp.access_log, which redacts query-string values (a caseload
search may hold a child's name). Access logging is on only when asked for, e.g.
`--access-logfile -`.
"""
logger_class = "webapp.access_log.GunicornLogger"

# Serving defaults for this machine size (2 CPUs, the database on the same machine), chosen
# with bench/load.py (200 devices syncing 1-10 records about every second); the alternatives'
# figures are in docs/performance.md ("Serving"). Threads let a worker take the next request
# while another waits on the database, and keep-alive spares each device a new connection per
# sync. Override with WEB_CONCURRENCY / GUNICORN_THREADS, or -w / --threads.
import os  # noqa: E402

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
keepalive = 5
