"""Events the accounts app emits.

user_erased: sent after commit when a person deleted their account; apps holding personal
data about them (certificates print the name) remove it. Keyword argument: user_id.
"""

from django.dispatch import Signal

user_erased = Signal()
