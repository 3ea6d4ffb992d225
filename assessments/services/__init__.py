"""Writes of the assessments app, one module per concept (callers import the module they need):

* :mod:`~assessments.services.runs`: assessment runs (jobs) and the live, unsaved assessment;
* :mod:`~assessments.services.reports`: report jobs, from the request to the stored file;
* :mod:`~assessments.services.triage`: decisions on findings;
* :mod:`~assessments.services.webhooks`: the model's webhook and its deliveries;
* :mod:`~assessments.services.jobs`: what the job kinds share (status, progress, enqueueing, transient errors).

Runs and reports are database rows that double as background jobs, and these services are the only code
that writes their status: a ``*_start``/``*_request`` service creates the row and enqueues its Celery task
after the transaction commits; the task (``assessments.tasks``) only calls the ``*_execute`` service with the
row id. Executing is idempotent: a finished row is left alone, a row left ``running`` by a killed worker is
restarted from scratch.
"""
