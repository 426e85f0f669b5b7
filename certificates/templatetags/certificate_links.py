"""The learner's certificates, for the dashboard (enrollments' template loads this; its
Python code never imports certificates)."""

from django import template

from certificates import selectors

register = template.Library()


@register.inclusion_tag("certificates/_list.html")
def my_certificates(user):
    return {"certificates": list(selectors.certificates_of(user))}
