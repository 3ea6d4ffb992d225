"""The change log's storage: one ``ChangeRecord`` row per changed element, except for a revision that only
creates (a model's first revision: created, imported, duplicated), whose log is one ``CreationLog`` document.

A model's first revision creates every element, which its element rows hold already; writing each a second
time as a change record (a row, an index entry and a JSON value apiece) was about a third of an import's
database work. Every reader of the log goes through here and sees the same rows either way: the history, a
revision's changes, the replay behind past snapshots, diffs and exports, and coalescing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from threatmodel import models as m
from threatmodel.bulkinsert import insert_dicts

ChangeRow = tuple[str, str, str, Any, Any]  # (kind, key, action, before, after)


def log_write(*, model_id: int, revision: m.Revision, records: Sequence[ChangeRow], whole_model: bool) -> None:
    """Store the change log of ``revision``: one document for a ``whole_model`` revision (every element created
    into an empty model), else one row per record."""
    if whole_model and all(action == "create" and before is None for _, _, action, before, _ in records):
        m.CreationLog.objects.create(
            revision=revision,
            model_id=model_id,
            revision_number=revision.number,
            records=json.dumps(
                [[kind, key, after] for kind, key, _, _, after in records], separators=(",", ":"), check_circular=False
            ),
        )
        return
    number = revision.number
    insert_dicts(
        m.ChangeRecord,
        (
            {
                "model_id": model_id,
                "revision_id": revision.pk,
                "revision_number": number,
                "seq": seq,
                "element_kind": kind,
                "element_key": key,
                "action": action,
                "before": before,
                "after": after,
            }
            for seq, (kind, key, action, before, after) in enumerate(records)
        ),
    )


def log_delete(*, revision: m.Revision) -> None:
    """Drop the change log of ``revision`` (it is about to be written again, merged with the next one)."""
    m.ChangeRecord.objects.filter(revision=revision).delete()
    m.CreationLog.objects.filter(revision=revision).delete()


def _creations(text: str) -> list[ChangeRow]:
    return [(kind, key, "create", None, after) for kind, key, after in json.loads(text)]


def revision_rows(*, revision: m.Revision) -> list[ChangeRow]:
    """The change log of one revision, in ``seq`` order."""
    text = m.CreationLog.objects.filter(revision=revision).values_list("records", flat=True).first()
    if text is not None:
        return _creations(text)
    return list(
        m.ChangeRecord.objects.filter(revision=revision)
        .order_by("seq")
        .values_list("element_kind", "element_key", "action", "before", "after")
    )


def revision_records(*, revision: m.Revision) -> list[m.ChangeRecord]:
    """The change log of one revision as ``ChangeRecord`` objects (unsaved ones for a creating revision)."""
    text = m.CreationLog.objects.filter(revision=revision).values_list("records", flat=True).first()
    if text is None:
        return list(m.ChangeRecord.objects.filter(revision=revision).order_by("seq"))
    return [
        m.ChangeRecord(
            model_id=revision.model_id,
            revision=revision,
            revision_number=revision.number,
            seq=seq,
            element_kind=kind,
            element_key=key,
            action=action,
            before=before,
            after=after,
        )
        for seq, (kind, key, action, before, after) in enumerate(_creations(text))
    ]


def revision_keys(*, revision: m.Revision, kind: str) -> list[str]:
    """The keys of the elements of ``kind`` that ``revision`` changes."""
    return [key for row_kind, key, *_ in revision_rows(revision=revision) if row_kind == kind]


def afters_up_to(*, model_id: int, revision: int) -> Iterator[tuple[str, str, Any]]:
    """``(kind, key, after)`` of every change up to ``revision``, in revision and ``seq`` order: the replay."""
    documents = dict(
        m.CreationLog.objects.filter(model_id=model_id, revision_number__lte=revision).values_list(
            "revision_number", "records"
        )
    )
    rows = (
        m.ChangeRecord.objects.filter(model_id=model_id, revision_number__lte=revision)
        .order_by("revision_number", "seq")
        .values_list("revision_number", "element_kind", "element_key", "after")
        .iterator(2000)
    )
    return _interleaved(documents, rows, _afters)


def changes_between(*, model_id: int, after: int, upto: int) -> Iterator[tuple[str, str, Any, Any]]:
    """``(kind, key, before, after)`` of every change of the revisions ``after`` < n <= ``upto``, in revision and
    ``seq`` order (a creating revision's document included: its records create, ``before`` is None)."""
    documents = dict(
        m.CreationLog.objects.filter(
            model_id=model_id, revision_number__gt=after, revision_number__lte=upto
        ).values_list("revision_number", "records")
    )
    rows = (
        m.ChangeRecord.objects.filter(model_id=model_id, revision_number__gt=after, revision_number__lte=upto)
        .order_by("revision_number", "seq")
        .values_list("revision_number", "element_kind", "element_key", "before", "after")
    )  # one fetch, not a server-side cursor (DECLARE, FETCH and CLOSE on PostgreSQL: three round trips)
    return _interleaved(documents, rows, _creation_changes)


def _interleaved(
    documents: dict[int, str], rows: Iterable[tuple[Any, ...]], expand: Callable[[str], Iterator[Any]]
) -> Iterator[Any]:
    """The change records ``rows`` (``(revision_number, *values)`` in order) with each creating revision's
    document, expanded to the same values, in its place."""
    pending = sorted(documents)
    for number, *values in rows:
        while pending and pending[0] <= number:
            yield from expand(documents[pending.pop(0)])
        yield tuple(values)
    for number in pending:
        yield from expand(documents[number])


def _afters(text: str) -> Iterator[tuple[str, str, Any]]:
    yield from json.loads(text)  # [kind, key, after] lists


def _creation_changes(text: str) -> Iterator[tuple[str, str, Any, Any]]:
    for kind, key, now in json.loads(text):
        yield kind, key, None, now
