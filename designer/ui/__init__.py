"""The desktop app: the only package that imports Qt."""
import sys as _sys


def _keep_singletons_alive() -> None:
    """Work around PySide6 6.12 on Python 3.11: its bindings return ``None`` (every void method:
    ``setText``, ``processEvents`` …) and ``True``/``False`` (``Signal.emit``) without taking a
    reference, as if those objects were immortal (they are only from Python 3.12 on). Each call
    then costs one reference, and after a few thousand calls the interpreter aborts with
    "deallocating None". Giving the three singletons a huge reference count makes them
    effectively immortal, as on 3.12. Done once, before any thread starts."""
    if _sys.version_info >= (3, 12) or _sys.implementation.name != "cpython":
        return
    import ctypes
    for obj in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(obj))
        if count.value < (1 << 40):
            count.value += 1 << 40


_keep_singletons_alive()
