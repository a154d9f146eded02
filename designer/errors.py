"""The one base class for bad input: a model, weights or data file that cannot be used, or an
impossible setting. ``str(error)`` is one plain sentence saying what and where; the command line
prints it and exits with status 2, the app shows it in a dialog or next to the thing at fault."""


class UserError(ValueError):
    pass
