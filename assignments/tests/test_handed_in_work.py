"""What may still change handed-in work, and what never does: nothing after the learner's
last moment, a handed-in piece never back into a draft, a grade never wiped by a save
racing it, files taken away and text kept, an extension granted after the fact counting
again, a regrade below the pass mark, and reminders to exactly those who have not handed
in."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone

from assignments import services
from assignments.models import Assignment, Submission
from assignments.tests.factories import assignment, due_in, learner_of, pdf
from enrollments.models import RequirementCompletion
from lms.exceptions import ConflictError

pytestmark = pytest.mark.django_db


@pytest.fixture
def task():
    return assignment(due_at=due_in(1), max_files=3)


@pytest.fixture
def learner(task):
    return learner_of(task.course)


def _teacher(task):
    return task.course.instructors.first()


def test_after_the_last_moment_not_even_a_draft_changes_handed_in_work():
    task = assignment(due_at=due_in(1), late_policy=Assignment.LatePolicy.REFUSE)
    learner = learner_of(task.course)
    services.submission_save(user=learner, assignment=task, text="my essay")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        for final in (True, False):
            with pytest.raises(ConflictError) as refused:
                services.submission_save(user=learner, assignment=task, text="rewritten late", final=final)
            assert refused.value.code == "assignment_closed"
    assert Submission.objects.get().text == "my essay"


def test_handed_in_work_is_never_turned_back_into_a_draft(task, learner):
    services.submission_save(user=learner, assignment=task, text="handed in")
    with pytest.raises(ConflictError) as refused:
        services.submission_save(user=learner, assignment=task, text="a draft over it", final=False)
    assert refused.value.code == "already_submitted"
    submission = Submission.objects.get()
    assert (submission.status, submission.text) == ("submitted", "handed in")


def test_a_learners_change_makes_the_version_a_grader_saw_stale(task, learner):
    submission, _ = services.submission_save(user=learner, assignment=task, text="v1")
    seen = submission.version
    services.submission_save(user=learner, assignment=task, text="v2, changed while the grader read v1")
    with pytest.raises(ConflictError) as refused:
        services.submission_grade(
            submission=submission, score=Decimal(10), feedback="", by=_teacher(task), version=seen
        )
    assert refused.value.code == "edited_meanwhile"
    assert Submission.objects.get().score is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hand_in_racing_a_grade_never_wipes_the_grade():
    task = assignment(due_at=due_in(1), max_submissions=2)
    learner = learner_of(task.course)
    submission, _ = services.submission_save(user=learner, assignment=task, text="first")
    graded, outcome = threading.Event(), {}

    def grade():
        with transaction.atomic():
            services.submission_grade(
                submission=submission, score=Decimal(15), feedback="Good", by=_teacher(task), version=1
            )
            graded.set()
            time.sleep(0.5)  # the learner's save waits on the row meanwhile
        connections.close_all()

    def hand_in():
        graded.wait(5)
        try:
            outcome["saved"] = services.submission_save(user=learner, assignment=task, text="second")[0].number
        except ConflictError as exc:
            outcome["refused"] = exc.code
        except Exception as exc:
            outcome["error"] = repr(exc)
        connections.close_all()

    threads = [threading.Thread(target=grade), threading.Thread(target=hand_in)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first = Submission.objects.get(pk=submission.pk)
    assert (first.status, first.score, first.text) == ("returned", Decimal(15), "first")
    assert outcome == {"saved": 2}  # the new work is a new submission, after the grade


def test_files_are_taken_away_and_text_left_out_is_kept(task, learner):
    submission, _ = services.submission_save(
        user=learner, assignment=task, text="my text", files=[pdf("a.pdf"), pdf("b.pdf")]
    )
    first = submission.files.get(original_name="a.pdf")
    services.submission_save(user=learner, assignment=task, files=[pdf("c.pdf")], remove_files=[first.pk])
    submission.refresh_from_db()
    assert sorted(submission.files.values_list("original_name", flat=True)) == ["b.pdf", "c.pdf"]
    assert submission.text == "my text"  # sent files only: the text stays


def test_the_page_takes_a_file_away(client, task, learner):
    submission, _ = services.submission_save(user=learner, assignment=task, text="t", files=[pdf("old.pdf")])
    client.force_login(learner)
    page = client.get(f"/assignments/{task.pk}/").content.decode()
    assert 'name="remove_files"' in page and "Save a draft" not in page  # handed in: no draft any more
    old = submission.files.get()
    response = client.post(
        f"/assignments/{task.pk}/", {"text": "t", "files": [pdf("new.pdf")], "remove_files": [str(old.pk)]}
    )
    assert response.status_code == 302
    assert list(submission.files.values_list("original_name", flat=True)) == ["new.pdf"]


def test_the_page_says_when_nothing_is_accepted_any_more(client):
    task = assignment(due_at=due_in(-1), late_policy=Assignment.LatePolicy.REFUSE)
    learner = learner_of(task.course)
    client.force_login(learner)
    page = client.get(f"/assignments/{task.pk}/").content.decode()
    assert "no longer accepts work" in page and 'enctype="multipart/form-data"' not in page


def test_an_extension_granted_after_the_fact_counts_the_lateness_and_penalty_again(
    task, learner, django_capture_on_commit_callbacks
):
    task.late_policy, task.late_penalty_percent, task.late_penalty_cap_percent = "penalty", Decimal(10), Decimal(50)
    task.is_required, task.pass_percent = True, 80
    task.save()
    with time_machine.travel(task.due_at + timedelta(days=2, hours=1)):
        submission, _ = services.submission_save(user=learner, assignment=task, text="ill, handed in late")
        graded = services.submission_grade(
            submission=submission, score=Decimal(18), feedback="", by=_teacher(task), version=submission.version
        )
    assert (graded.penalty_percent, graded.final_score) == (Decimal(30), Decimal("12.60"))
    assert not RequirementCompletion.objects.filter(key=task.requirement_key).exists()
    services.extension_grant(assignment=task, user=learner, due_at=task.due_at + timedelta(days=3), by=_teacher(task))
    graded.refresh_from_db()
    assert (graded.late_seconds, graded.penalty_percent, graded.final_score) == (0, Decimal(0), Decimal(18))
    assert graded.version == 3  # a grader holding the old figures is told
    assert RequirementCompletion.objects.filter(key=task.requirement_key).exists()  # 90 % now passes


def test_a_regrade_below_the_pass_mark_withdraws_the_requirement(task, learner):
    task.is_required, task.pass_percent = True, 50
    task.save()
    submission, _ = services.submission_save(user=learner, assignment=task, text="work")
    graded = services.submission_grade(
        submission=submission, score=Decimal(15), feedback="", by=_teacher(task), version=1
    )
    assert RequirementCompletion.objects.filter(key=task.requirement_key).exists()
    services.submission_grade(
        submission=graded, score=Decimal(5), feedback="Copied.", by=_teacher(task), version=graded.version
    )
    assert not RequirementCompletion.objects.filter(key=task.requirement_key).exists()


def test_a_draft_here_and_a_hand_in_elsewhere_still_get_the_reminder(settings, django_capture_on_commit_callbacks):
    settings.ASSIGNMENT_REMINDER_HOURS = 24
    task = assignment(due_at=due_in(0.5))
    other = assignment(course=task.course, title="Another", due_at=due_in(10))
    busy = learner_of(task.course)
    services.submission_save(user=busy, assignment=other, text="handed in elsewhere")
    services.submission_save(user=busy, assignment=task, text="only a draft here", final=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.due_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[busy.email]]


def test_an_assignment_never_promises_files_larger_than_any_upload_may_be(settings, task):
    from django.core.exceptions import ValidationError

    settings.COURSE_ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
    task.max_file_mb = 100
    with pytest.raises(ValidationError) as refused:
        task.full_clean()
    assert "max_file_mb" in refused.value.message_dict


def test_the_grader_says_the_learner_changed_the_work_when_that_is_the_conflict(client, task, learner):
    submission, _ = services.submission_save(user=learner, assignment=task, text="v1")
    services.submission_save(user=learner, assignment=task, text="v2")  # while the grader reads v1
    client.force_login(_teacher(task))
    page = client.post(
        f"/admin/assignments/submission/{submission.pk}/grade/", {"score": "10", "feedback": "", "version": "1"}
    ).content.decode()
    assert "handed in a changed version meanwhile" in page and "None" not in page.split("builder-error")[1][:300]
    assert Submission.objects.get().score is None


def test_a_draft_is_handed_in_as_it_stands_when_the_learners_last_moment_passes():
    task = assignment(due_at=due_in(1), late_policy=Assignment.LatePolicy.REFUSE)
    learner, extended, idle = learner_of(task.course), learner_of(task.course), learner_of(task.course)
    services.submission_save(user=learner, assignment=task, text="almost done", final=False)
    services.submission_save(user=extended, assignment=task, text="theirs", final=False)
    services.submission_save(user=idle, assignment=task, text="   ", final=False)  # nothing to hand in
    services.extension_grant(assignment=task, user=extended, due_at=due_in(5), by=_teacher(task))
    assert services.drafts_close() == 0  # nobody's moment has passed
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert services.drafts_close() == 1
        assert services.drafts_close() == 0  # once
    closed = Submission.objects.get(user=learner)
    assert (closed.status, closed.submitted_at, closed.late_seconds) == ("submitted", task.due_at, 0)
    assert Submission.objects.get(user=extended).status == "draft"  # their own date is later
    assert Submission.objects.get(user=idle).status == "draft"
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert services.drafts_close() == 1
    assert Submission.objects.get(user=extended).status == "submitted"


def test_a_draft_past_the_cut_off_is_handed_in_late_by_what_it_was_then():
    task = assignment(due_at=due_in(1), cutoff_at=due_in(3), late_policy=Assignment.LatePolicy.PENALTY)
    learner = learner_of(task.course)
    services.submission_save(user=learner, assignment=task, text="draft", final=False)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert services.drafts_close() == 1
    closed = Submission.objects.get()
    assert closed.submitted_at == task.cutoff_at
    assert closed.late_seconds == int((task.cutoff_at - task.due_at).total_seconds())
