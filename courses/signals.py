"""Signals that courses defines (the apps above it answer them in their receivers.py)."""

from django.dispatch import Signal

# Sent while the outlines of some courses are built (courses.selectors.outlines_for), with
# `course_ids`. Each receiver returns the items of its kind in those courses (a list of
# courses.selectors.OutlineItem: quizzes, later assignments), which the outline places
# among the lessons. The outline is kept per catalog version, so the app that owns an item
# bumps that version when one changes (courses.cache.bump_catalog_version).
outline_items_wanted = Signal()
