from django.db import models


class ScheduledRun(models.Model):
    """One firing of a scheduled job. The unique (job, due_at) pair is the claim: of
    several workers ticking at once, only the one whose INSERT succeeds enqueues."""

    job = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "due_at"], name="scheduledrun_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job} due {self.due_at:%Y-%m-%d %H:%M}"
