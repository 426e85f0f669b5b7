"""Demo people for `manage.py seed_demo`. The passwords are printed and public: demo only."""

from accounts import services
from accounts.models import User

DEMO_USERS = [
    # email, password, role, first name, last name
    ("admin@example.com", "demo-admin-2026", User.Role.ADMIN, "Ada", "Admin"),
    ("instructor@example.com", "demo-instructor-2026", User.Role.INSTRUCTOR, "Ivan", "Instructor"),
    ("learner@example.com", "demo-learner-2026", User.Role.LEARNER, "Lea", "Learner"),
]


def seed(*, stdout) -> None:
    for email, password, role, first_name, last_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            services.user_set_role(user=user, role=role)
        stdout.write(f"  {role:<10} {email:<26} password: {password}{'' if created else '  (already there)'}")
