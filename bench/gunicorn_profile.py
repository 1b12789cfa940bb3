"""A gunicorn configuration that profiles every sync request inside the worker (pyinstrument).

Used by bench/profile_request.py: `gunicorn -c bench/gunicorn_profile.py ...`. Each worker
keeps one pyinstrument session across requests (started before gunicorn hands the request to
the app, stopped after the answer is written) while the file $PROFILE_ON exists, and writes it,
as text and as a pyinstrument session, to $PROFILE_OUT after $PROFILE_REQUESTS requests.
"""
import os

from pyinstrument import Profiler

workers = 1
threads = 1


def post_fork(server, worker):
    worker.profiler = Profiler(interval=0.0002)
    worker.profiled = 0


def pre_request(worker, req):
    if req.path == "/api/v1/sync" and os.environ.get("PROFILE_ON") and os.path.exists(os.environ["PROFILE_ON"]):
        worker.profiler.start()
        worker.profiling = True


def post_request(worker, req, environ, resp):
    if getattr(worker, "profiling", False):
        worker.profiler.stop()
        worker.profiling = False
        worker.profiled += 1
        if worker.profiled == int(os.environ["PROFILE_REQUESTS"]):
            _write(worker)


def _write(worker):
    out = os.environ["PROFILE_OUT"]
    worker.profiler.last_session.save(out + ".pyisession")
    with open(out + ".part", "w") as text:
        text.write(f"requests: {worker.profiled}\n")
        text.write(worker.profiler.output_text(unicode=False, color=False, show_all=False))
    os.replace(out + ".part", out)  # the benchmark waits for this name
