"""The Learn mode's panels: the lesson list (left) and a stack of lesson views (bottom).

Lesson views are built the first time they are shown (``view(key)``), so opening the Learn mode
costs only what the first lesson needs.
"""
from __future__ import annotations

import importlib

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from .. import tab_stops
from ..modes import PageStack
from .lessons import BY_KEY, LESSONS


class _LessonList(QListWidget):
    resized = Signal()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class LearnMode(QObject):
    lesson_changed = Signal(str)

    def __init__(self, window=None):
        super().__init__(window)
        self.window = window
        self.views: dict = {}
        self.current = ""

        self.left = QWidget()
        self.left.setObjectName("learn_lessons")
        box = QVBoxLayout(self.left)
        box.setContentsMargins(6, 6, 6, 6)
        self.list = _LessonList()
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.labels = []
        for n, lesson in enumerate(LESSONS, start=1):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, lesson.key)
            item.setToolTip(f"{lesson.blurb} (Alt+{n})")
            label = QLabel()
            label.setWordWrap(True)
            label.setContentsMargins(6, 5, 6, 5)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self.labels.append((label, lesson))
            self.list.addItem(item)
            self.list.setItemWidget(item, label)
        self._paint_labels()
        self.list.resized.connect(self._paint_labels)  # the descriptions wrap to the new width
        self.list.currentItemChanged.connect(self._item_changed)
        box.addWidget(self.list)

        self.bottom = PageStack()
        self.bottom.setObjectName("learn_view")

    # ------------------------------------------------------------------ lessons
    def view(self, key: str) -> QWidget:
        """The view of lesson ``key``, built on first use."""
        if key not in self.views:
            lesson = BY_KEY[key]
            try:
                module = importlib.import_module(lesson.module, __package__)
                widget = module.create(self.window)
            except ImportError as exc:  # a lesson left out of this build
                widget = QLabel(f"The lesson “{lesson.title}” is not part of this build ({exc}).")
                widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            widget.setObjectName(f"lesson_{key}")
            tab_stops.settle(widget)   # no Tab stop on its drawings and scroll areas
            self.views[key] = widget
            self.bottom.addWidget(widget)
        return self.views[key]

    def show_lesson(self, key: str) -> QWidget:
        """Switch the window to the Learn mode (if it is not there) and show lesson ``key``."""
        window = self.window
        if window is not None and getattr(window, "current_mode", "Learn") != "Learn":
            window.set_mode("Learn")
        self._show(key)
        return self.views[key]

    def entered(self) -> None:
        if not self.current:
            self._show(LESSONS[0].key)
        else:
            self._call(self.views.get(self.current), "entered")

    def leaving(self) -> None:
        self._call(self.views.get(self.current), "left")

    def _show(self, key: str) -> None:
        widget = self.view(key)
        if key != self.current:
            self._call(self.views.get(self.current), "left")
            self.current = key
        self.bottom.setCurrentWidget(widget)
        if self.window is not None and hasattr(self.window, "docks"):
            self.window.docks["bottom"].setWindowTitle(BY_KEY[key].title)
        row = next(i for i, lesson in enumerate(LESSONS) if lesson.key == key)
        if self.list.currentRow() != row:
            self.list.blockSignals(True)
            self.list.setCurrentRow(row)
            self.list.blockSignals(False)
        self._paint_labels()
        self._call(widget, "entered")
        self.lesson_changed.emit(key)

    def _paint_labels(self) -> None:
        """Each lesson as a bold title over its one-line description, in the selection's text
        colour when selected."""
        palette = self.list.palette()
        for row, (label, lesson) in enumerate(self.labels):
            selected = row == self.list.currentRow()
            role = palette.ColorRole.HighlightedText if selected else palette.ColorRole.Text
            colour = palette.color(role).name()
            label.setText(f"<div style='color:{colour}'><b>{lesson.title}</b><br>"
                          f"<span style='font-size:small'>{lesson.blurb}</span></div>")
            width = max(120, self.list.viewport().width() - 6)
            self.list.item(row).setSizeHint(QSize(width, label.heightForWidth(width)))

    def _item_changed(self, item, _previous=None) -> None:
        if item is not None:
            self._show(item.data(Qt.ItemDataRole.UserRole))

    @staticmethod
    def _call(widget, name: str) -> None:
        method = getattr(widget, name, None)
        if callable(method):
            method()
