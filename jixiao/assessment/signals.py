"""What the assessment tells the apps above it, so that it need not import them."""

from django.dispatch import Signal

# Sent inside the transaction that creates a period, with ``period``: the selection gives
# it the default rules.
period_created = Signal()
