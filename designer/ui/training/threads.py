"""Background work for the Train mode: a ``ThreadWorker`` (a QObject whose ``work()`` runs on its
own QThread) and ``Background``, its GUI-side owner (start, bounded shutdown).

Every job is registered until its thread has finished, so that shutdown can join them and tests
can check that none is left running (``running()``, ``stop_all()``).
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot

_jobs: list = []   # every Background whose thread may still run


def running() -> list:
    """The QThreads of registered jobs that are still running (finished jobs are dropped)."""
    alive = []
    for job in list(_jobs):
        if job.is_running():
            alive.append(job.thread)
        else:
            _jobs.remove(job)
    return alive


def stop_all(timeout_ms: int = 5000) -> None:
    """Stop every registered job and wait for its thread (for shutdown and test clean-up)."""
    for job in list(_jobs):
        job.shutdown(timeout_ms)
    running()


class ThreadWorker(QObject):
    """Subclasses implement ``work()`` (runs on the worker thread; never touches a widget) and
    ``request_stop()`` (thread-safe). When ``work()`` returns, the thread ends."""

    def work(self) -> None:
        raise NotImplementedError

    def request_stop(self) -> None:
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            self.work()
        finally:
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())  # allowed: we are in the object's own thread
            QThread.currentThread().quit()


class Background(QObject):
    """Runs one ThreadWorker on a new thread. Connect to ``worker``'s signals before ``start``."""

    def __init__(self, worker: ThreadWorker, name: str, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        # The registry keeps the Python wrappers alive until the thread has finished, so that a
        # running thread is never garbage-collected.
        _jobs.append(self)
        self.thread.started.connect(worker.run)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.worker.request_stop()

    def is_running(self) -> bool:
        try:
            return self.thread.isRunning()
        except RuntimeError:
            return False

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Ask the worker to stop and wait for its thread at most ``timeout_ms`` (the only place
        the GUI thread ever waits for a worker); True if the thread has ended."""
        self.stop()
        try:
            return self.thread.wait(timeout_ms)
        except RuntimeError:
            return True
