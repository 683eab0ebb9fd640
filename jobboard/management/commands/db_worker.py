"""``manage.py db_worker``: django-tasks-db's command, running the crash-safe worker of
``jobboard.worker`` (a dead worker's task runs again, a database restart is waited out,
transient failures are retried). The ``jobboard`` app comes before ``django_tasks_db`` in
INSTALLED_APPS, so this command is the one ``manage.py`` finds."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from jobboard.worker import Worker


class Command(db_worker.Command):
    help = (
        "Run the background task worker: tasks left running by a worker that died are run "
        "again after TASK_WORKER_TIMEOUT seconds (60), a database restart is waited out, and "
        "tasks that failed to reach the database or the mail server are retried."
    )

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, batch, **options):
        self.configure_logging(verbosity)
        worker = Worker(
            queue_names=queue_name.split(","),
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child that runs the tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
