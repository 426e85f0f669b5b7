"""Catalog factories. Courses are published (with a date) and taught by one instructor
unless a test says otherwise: `CourseFactory(draft=True)`, `CourseFactory(instructors=[a, b])`."""

import importlib

import factory
from django.apps import apps
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import AdminFactory, UserFactory
from courses.models import Attachment, Category, Course, Lesson, Module

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def grant_instructor_permissions() -> None:
    """The tests run without migrations: apply the data migration that gives the
    Instructors group its course permissions, exactly as production gets them."""
    if Permission.objects.filter(group__name="Instructors", codename="change_course").exists():
        return
    migration = importlib.import_module("courses.migrations.0002_instructor_permissions")
    migration.grant(apps, None)


class InstructorFactory(UserFactory):
    """An instructor as the product makes one: the role, staff access to the admin, and
    the Instructors group with its course permissions."""

    role = User.Role.INSTRUCTOR

    @factory.post_generation
    def _instructor_role(obj, create, extracted, **kwargs):
        if create:
            grant_instructor_permissions()
            account_services.user_set_role(user=obj, role=User.Role.INSTRUCTOR)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Course.Status.DRAFT, published_at=None)
        archived = factory.Trait(status=Course.Status.ARCHIVED)

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = factory.LazyAttribute(lambda o: f"All about {o.title}.")
    description = "## About\n\nA course."
    level = Course.Level.BEGINNER
    language = "en"
    status = Course.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def instructors(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.instructors.add(*(extracted if extracted is not None else [InstructorFactory()]))


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")
    position = factory.Sequence(lambda n: n + 1)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Lesson {n}")
    kind = Lesson.Kind.TEXT
    body = factory.LazyAttribute(lambda o: f"The body of **{o.title}**.")
    is_preview = False
    is_required = True
    position = factory.Sequence(lambda n: n + 1)


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    lesson = factory.SubFactory(LessonFactory)
    title = "Slides"
    file = factory.django.FileField(filename="slides.pdf", data=PDF_BYTES)


def course_with_lessons(*, modules: int = 1, lessons_per_module: int = 2, **course_kwargs) -> Course:
    """A course with `modules` modules of `lessons_per_module` required lessons each."""
    course = CourseFactory(**course_kwargs)
    for m in range(modules):
        module = ModuleFactory(course=course, position=m + 1)
        for p in range(lessons_per_module):
            LessonFactory(module=module, position=p + 1)
    return course


class Cast:
    """The people of the permission matrix, around one course taught by `owner`."""

    def __init__(self):
        self.anonymous = None
        self.learner = UserFactory()
        self.other_learner = UserFactory()
        self.owner = InstructorFactory()
        self.other_instructor = InstructorFactory()
        self.staff = AdminFactory()

    def __getitem__(self, role: str):
        return getattr(self, role)


ROLES = ("anonymous", "learner", "other_instructor", "owner", "staff")
