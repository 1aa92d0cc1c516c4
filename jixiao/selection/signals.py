"""What the selection workflow tells other apps, so they need not be imported by it."""

from django.dispatch import Signal

# Sent inside the publishing transaction with ``proposal``: the list is now published and
# its exemplars are public (the showcase gives each of them a profile).
list_published = Signal()
