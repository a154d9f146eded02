"""Background work for the Train mode: a ``ThreadWorker`` (a QObject whose ``work()`` runs on its
own QThread) and ``Background``, its GUI-side owner (start, bounded shutdown).

Every job is registered until its thread has finished, so that shutdown can join them and tests
can check that none is left running (``running()``, ``stop_all()``).

Python's cyclic garbage collector runs in whichever thread happens to allocate past its threshold.
A window, a dialog or a plot that was closed is often such cyclic garbage, and collecting it
deletes its C++ Qt objects; from a worker thread that is a use of Qt objects on the wrong thread,
which crashed the process now and then (a segfault inside a collection during a training run).
So while any job's thread runs, automatic collection is off and ``GuiCollector`` collects on a
timer in the GUI thread, generation by generation as the automatic collector would (the same
thresholds); when the last job has finished, automatic collection is on again.
"""
from __future__ import annotations

import gc
from typing import Optional

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Slot

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
    settle()


def settle() -> None:
    """Give garbage collection back to Python now if no job runs (rather than at the next tick)."""
    if GuiCollector.instance is not None:
        GuiCollector.instance.tick()


class GuiCollector(QObject):
    """Python's garbage collection, done only in the GUI thread while job threads run (see the
    module's docstring). ``hold()`` as a job starts; every ``INTERVAL_MS`` ``tick()`` collects the
    generations whose counts passed their thresholds, and gives collection back to Python once no
    job runs (after one full collection of what the run left)."""

    INTERVAL_MS = 50
    instance: Optional["GuiCollector"] = None

    def __init__(self):
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.tick)
        self._was_enabled = False

    @classmethod
    def hold(cls) -> None:
        """Called in the GUI thread before a job's thread starts."""
        if cls.instance is None:
            cls.instance = GuiCollector()
        self = cls.instance
        if not self._timer.isActive():
            self._was_enabled = gc.isenabled()
            self._timer.start()
        gc.disable()

    @property
    def holding(self) -> bool:
        return self._timer.isActive()

    @Slot()
    def tick(self) -> None:
        if not self._timer.isActive():
            return
        if not running():
            self._timer.stop()
            gc.collect()
            if self._was_enabled:
                gc.enable()
            return
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):   # the oldest due generation (a collection includes the younger)
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                break


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
    """Runs one ThreadWorker on a new thread. Connect to the worker's signals with ``deliver``
    (never directly) before ``start``."""

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

    def deliver(self, thread_finished=None, **slots) -> None:
        """Connect the worker's signals (by name) and the thread's ``finished`` to slots of GUI-thread
        objects, always queued: every one of them is emitted on the worker thread. An automatic
        connection is not enough: PySide6 (6.11) calls a slot defined on a mixin directly, in the
        emitting thread, once the receiver has any dynamic slot (a plain method connected to a
        signal), and a widget touched from a worker thread crashes the process now and then."""
        for name, slot in slots.items():
            getattr(self.worker, name).connect(slot, Qt.ConnectionType.QueuedConnection)
        if thread_finished is not None:
            self.thread.finished.connect(thread_finished, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        GuiCollector.hold()
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
