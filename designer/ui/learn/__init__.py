"""The Learn mode of the window: a list of lessons on the left and the chosen lesson's
view at the bottom, the canvas (and the inspector) staying where they are.

``create_mode(window)`` is what the main window calls (designer/ui/modes.py) the first time the
Learn mode is shown. The Learn menu (built with the window's menus, designer/ui/actions.py) opens
each lesson from any mode. Lessons are listed in ``lessons.LESSONS``; each is a module of this package
with ``create(window) -> QWidget``, imported the first time its lesson is opened.
"""
from __future__ import annotations

__all__ = ["create_mode"]

LEFT_WIDTH = 220   # the lesson list; the lesson beside it needs up to ~750 px of a 1280-px window
BOTTOM_SHARE = 0.58   # of the window's height: the lessons need room, the canvas less


def create_mode(window):
    """The Learn mode's ``ModePanels`` (its modules imported only now: the Learn menu, built at
    start, needs just ``lessons``)."""
    from ..modes import ModePanels
    from .learn_mode import LearnMode

    mode = LearnMode(window)
    window.learn_mode = mode
    return ModePanels(left=mode.left, bottom=mode.bottom, left_title="Lessons",
                      bottom_title="Lesson", on_enter=mode.entered, on_leave=mode.leaving,
                      dock_sizes={"left": LEFT_WIDTH, "bottom": BOTTOM_SHARE})
