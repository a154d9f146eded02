"""Keep the whole window frame, the window manager's title bar and borders included, inside the
screen's available area on the first start, after the saved geometry is restored, and after the
window is restored from maximised.

The frame's margins are only known once the window manager has framed the window (after
``show``): sizing the client area to the available area (what the first start did) left the
bottom 20–25 px, the status bar with every refusal and "Wrote …", off a 1280×720 screen. So the
fit is armed at those moments and done at the first event after which the margins are known."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

ARMED_MS = 3000  # how long after a show or a restore a late frame still gets fitted


def fitted(frame: QRect, client: QRect, available: QRect, least_w: int = 0, least_h: int = 0) -> QRect | None:
    """The client geometry that puts ``frame`` (around ``client``) inside ``available``, or None
    when it is inside already. The frame keeps its margins; the client keeps at least
    ``least_w`` × ``least_h`` (the window's minimum: below it the layout would overflow)."""
    if available.contains(frame):
        return None
    left, top = client.x() - frame.x(), client.y() - frame.y()
    right, bottom = frame.right() - client.right(), frame.bottom() - client.bottom()
    width = max(least_w, min(client.width(), available.width() - left - right))
    height = max(least_h, min(client.height(), available.height() - top - bottom))
    # Move the frame in as far as it must, keeping its place where it fits.
    x = min(max(frame.x(), available.x()), available.right() + 1 - (width + left + right))
    y = min(max(frame.y(), available.y()), available.bottom() + 1 - (height + top + bottom))
    x, y = max(x, available.x()), max(y, available.y())
    return QRect(x + left, y + top, width, height)


class FrameFit(QObject):
    """An event filter on a top-level window: ``arm()`` (done on every show and every restore
    from maximised) and the frame is fitted to the screen as soon as it is known. The window
    manager's frame arrives with no event of its own (the client area neither moves nor
    resizes), so while armed the window is also looked at every ``POLL_MS``."""

    POLL_MS = 50

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window = window
        self.armed = False
        self._poll = QTimer(self, interval=self.POLL_MS)
        self._poll.timeout.connect(self.fit)
        self._disarm = QTimer(self, singleShot=True, interval=ARMED_MS)
        self._disarm.timeout.connect(self._stop)
        window.installEventFilter(self)

    def arm(self) -> None:
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            return   # no window manager, no screen a user sees: nothing to fit (and tests size freely)
        self.armed = True
        self._disarm.start()
        self._poll.start()

    def _stop(self) -> None:
        self.armed = False
        self._poll.stop()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window:
            event_type = event.type()
            if event_type == QEvent.Type.Show:
                self.arm()
            elif event_type == QEvent.Type.WindowStateChange:
                if not (self.window.windowState() & (Qt.WindowState.WindowMaximized
                                                      | Qt.WindowState.WindowFullScreen)):
                    self.arm()   # restored from maximised or full screen
        return False

    def fit(self) -> bool:
        """Fit the frame now if it is known and sticks out; True when the window was changed."""
        w = self.window
        if not self.armed or not w.isVisible() or w.windowState() & (
                Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen | Qt.WindowState.WindowMinimized):
            return False
        screen = w.screen()
        if screen is None:
            return False
        frame, client = w.frameGeometry(), w.geometry()
        if frame == client:
            # No frame yet (or no window manager, as offscreen): the first start's size already
            # keeps the client area within the screen; wait for the frame.
            return False
        least = w.minimumSize().expandedTo(w.minimumSizeHint())
        target = fitted(frame, client, screen.availableGeometry(), least.width(), least.height())
        if target is None:   # framed, and the frame fits: done until the next show or restore
            self._stop()
            return False
        w.resize(target.size())
        w.move(target.topLeft() - (client.topLeft() - frame.topLeft()))  # move() places the frame
        return True
