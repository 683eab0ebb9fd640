class InvalidTransition(Exception):
    """A status change that the object's current status does not allow. Its message is
    translated and safe to show the user."""
