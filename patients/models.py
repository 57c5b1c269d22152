"""The patient record. A patient created by the front desk may have no login."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Patient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="patient"
    )
    full_name = models.CharField(max_length=150, db_index=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    consent_email = models.BooleanField("may contact by email", default=True)
    consent_sms = models.BooleanField("may contact by SMS", default=False)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email="") & Q(archived=False), name="patient_unique_active_email"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = dt.date.today()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
