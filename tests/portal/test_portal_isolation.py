"""A portal link opens its own advice request and nothing else, and an upload's name never
places a file: over real HTTP, against the real app.

The URL scheme is `/portal/advice/<token>` (GET: the form; POST: check your answers, which
parks an upload) and `/portal/advice/<token>/confirm` (POST: send). The advice request's id
lives only inside the signed token, so "swapping the id" means re-signing nothing: the
token's payload is rewritten and its signature kept, or the id is put wherever else a URL
or form could carry it. Every such attempt is refused (404 "This link is not valid" for a
token that does not verify, 400 for a draft that is not the link's own, 401 on the staff
pages and the case API) and shows nothing of the other request; none records anything.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from ehcp.db.engine import session_for
from ehcp.db.inputs import ChildIn, FamilyContactIn
from ehcp.db.models import AdviceRequest, AdviceSubmission, Case, CaseEvent, Document, OutboundMessage
from ehcp.documents.store import separate_advice_files
from ehcp.portal.tokens import advice_link
from ehcp.portal.uploads import pending_dir
from ehcp.settings import get_settings
from tests.db import factories
from tests.db.factories import CHILD_NAME
from tests.portal.conftest import DECIDED, PDF, TODAY, docx_bytes

OTHER_CHILD = "Otherchild-Quillon"
OTHER_FAMILY = "Otherfamily-Marsh"
OTHER_EMAIL = "robin.otherfamily@example.org"
NOT_VALID = "This link is not valid"


def open_other_case(engine, council) -> str:
    """A second case at the advice stage with another child and family, its health advice
    requested (as the `assessing` fixture's case, without rendering its letters)."""
    with session_for(engine) as session:
        case = factories.open_case(
            session,
            council,
            now=DECIDED,
            setting_email="senco@other-primary.example.org",
            child=ChildIn(
                given_names=OTHER_CHILD,
                family_name=OTHER_FAMILY,
                date_of_birth=date(2016, 7, 21),
                postcode="ZZ2 2ZZ",
            ),
            family=[
                FamilyContactIn(
                    full_name="Robin Otherfamily", relationship="parent", email=OTHER_EMAIL, is_primary=True
                )
            ],
        )
        factories.decide(session, council, case, decision="assess", on=date(2026, 2, 2), now=DECIDED)
        factories.request_advice(session, council, case, key="health", role="health", now=DECIDED)
        return case.ref


def advice_of(engine, ref: str, key: str) -> AdviceRequest:
    with Session(engine) as session:
        return session.exec(
            select(AdviceRequest)
            .join(Case, col(Case.id) == col(AdviceRequest.case_id))
            .where(Case.ref == ref, AdviceRequest.key == key)
        ).one()


def link_of(engine, ref: str, key: str) -> str:
    """The path of the link the request's email carries (Assessing.link, for any case)."""
    advice = advice_of(engine, ref, key)
    settings = get_settings()
    return advice_link(advice.id, advice_due_on=advice.due_on, settings=settings).removeprefix(
        settings.effective_public_url
    )


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def with_id(signed: str, advice_id: int) -> str:
    """A signed value (link token or draft) with its payload's "a" rewritten and its signature
    kept, in itsdangerous's own form (compact JSON, zlib-compressed behind a "." when shorter)."""
    payload, signature = signed.rsplit(".", 1)
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload.lstrip(".")) % 4))
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    data["a"] = advice_id
    raw = json.dumps(data, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(zlib.compress(raw) if compressed else raw).rstrip(b"=").decode()
    return f"{'.' if compressed else ''}{encoded}.{signature}"


def draft_of(page: str) -> str:
    return re.search(r'name="draft" value="([^"]+)"', page).group(1)


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"adviser:{password}".encode()).decode()


def recorded(engine) -> dict[str, list]:
    """Everything a submission writes, on every case."""
    with Session(engine) as session:
        return {
            "advice": sorted((row.id, row.received_on) for row in session.exec(select(AdviceRequest))),
            "submissions": sorted(
                (row.id, row.advice_request_id, row.file_path)
                for row in session.exec(select(AdviceSubmission))
            ),
            "documents": sorted((row.id, row.kind, row.sha256) for row in session.exec(select(Document))),
            "chronology": sorted(row.id for row in session.exec(select(CaseEvent))),
            "outbox": sorted(
                (row.id, row.purpose, row.state) for row in session.exec(select(OutboundMessage))
            ),
            "cases": sorted((row.ref, row.version) for row in session.exec(select(Case))),
        }


def stored_files() -> list[Path]:
    store = get_settings().document_store
    return sorted(path for path in store.rglob("*")) if store.exists() else []


# -- a: reading -------------------------------------------------------------------------


def test_a_link_for_one_advice_request_cannot_read_another(assessing, engine, council):
    other_ref = open_other_case(engine, council)
    own = link_of(engine, assessing.ref, "health")
    token = token_of(own)
    assert with_id(token, advice_of(engine, assessing.ref, "health").id) == token  # the rewrite is faithful
    draft = draft_of(assessing.client.post(own, data={"section-C": "Hearing loss."}).text)
    targets = {
        # Same case, another adviser: their role and their plan sections must not show.
        "same case": (
            advice_of(engine, assessing.ref, "social-care").id,
            ["social care", "Section D", "Section H1"],
        ),
        # Another case: its reference, child and family must not show.
        "other case": (advice_of(engine, other_ref, "health").id, [other_ref, OTHER_CHILD, OTHER_FAMILY]),
    }
    for label, (other_id, hidden) in targets.items():
        forged = with_id(token, other_id)
        unsigned = base64.urlsafe_b64encode(json.dumps({"a": other_id, "e": "2027-01-01"}).encode())
        attempts = {  # what: (path, what the page says)
            "the id rewritten in the token": (f"/portal/advice/{forged}", NOT_VALID),
            "the bare id": (f"/portal/advice/{other_id}", NOT_VALID),
            "an unsigned payload": (f"/portal/advice/{unsigned.decode().rstrip('=')}", NOT_VALID),
            "the rewritten payload alone": (f"/portal/advice/{forged.split('.')[0]}", NOT_VALID),
            "this page's draft, rewritten, as a token": (
                f"/portal/advice/{with_id(draft, other_id)}",
                NOT_VALID,
            ),
            "the id after the token": (f"{own}/{other_id}", "Not Found"),  # no such route
        }
        for what, (path, says) in attempts.items():
            response = assessing.client.get(path)
            assert response.status_code == 404 and says in response.text, (label, what, response.status_code)
            for secret in [*hidden, CHILD_NAME]:  # a refusal shows nothing of either request
                assert secret.lower() not in response.text.lower(), (label, what, secret)
        # The token as a password or bearer token opens no staff page nor case API.
        for path in (f"/staff/cases/{other_ref}", f"/api/cases/{other_ref}/timeline"):
            for authorization in (basic(token), f"Bearer {token}"):
                response = assessing.client.get(path, headers={"Authorization": authorization})
                assert response.status_code == 401, (label, path, response.status_code)
                assert OTHER_CHILD not in response.text and other_ref not in response.text.replace(path, "")
        # The id in the query string or as a form field is ignored: the link shows its own request.
        response = assessing.client.get(own, params={"a": other_id, "advice_id": other_id, "id": other_id})
        assert response.status_code == 200 and "Section C: Health needs" in response.text
        for secret in hidden:
            assert secret.lower() not in response.text.lower(), (label, "query string", secret)
        response = assessing.client.post(
            own, data={"a": other_id, "section-C": "Text.", "section-D": "Text."}
        )
        assert response.status_code == 200 and "Check your answers" in response.text
        for secret in hidden:
            assert secret.lower() not in response.text.lower(), (label, "form field", secret)


# -- b: writing -------------------------------------------------------------------------


def test_a_link_for_one_advice_request_cannot_write_another(assessing, engine, council):
    other_ref = open_other_case(engine, council)
    own = link_of(engine, assessing.ref, "health")
    token = token_of(own)
    others = {
        "same case": (
            advice_of(engine, assessing.ref, "social-care"),
            link_of(engine, assessing.ref, "social-care"),
        ),
        "other case": (advice_of(engine, other_ref, "health"), link_of(engine, other_ref, "health")),
    }
    sections = {"section-C": "Own advice.", "section-D": "Social care.", "section-H1": "Care."}
    upload = {"advice-file": ("report.pdf", PDF, "application/pdf")}
    # Someone holding several links (one service advising on several requests) takes each
    # check-your-answers page's draft; each upload is parked.
    own_draft = draft_of(assessing.client.post(own, data=sections, files=upload).text)
    assert with_id(own_draft, advice_of(engine, assessing.ref, "health").id) == own_draft  # faithful
    drafts = {
        label: draft_of(assessing.client.post(link, data=sections, files=upload).text)
        for label, (_, link) in others.items()
    }
    pending = pending_dir(get_settings().var_dir)
    before, files_before, parked_before = recorded(engine), stored_files(), sorted(pending.iterdir())
    for label, (other, other_link) in others.items():
        forged = with_id(token, other.id)
        check = assessing.client.post(f"/portal/advice/{forged}", data=sections, files=upload)
        assert check.status_code == 404 and NOT_VALID in check.text, (label, check.status_code)
        sends = {  # what: (path, draft, status)
            "the id rewritten in the token": (f"/portal/advice/{forged}/confirm", own_draft, 404),
            "this link's draft on the other's link": (f"{other_link}/confirm", own_draft, 400),
            "the other's draft on this link": (f"{own}/confirm", drafts[label], 400),
            "this draft with the id rewritten": (f"{other_link}/confirm", with_id(own_draft, other.id), 400),
            "the id after the token": (f"{own}/{other.id}/confirm", own_draft, 404),
        }
        for what, (path, draft, status) in sends.items():
            response = assessing.client.post(path, data={"draft": draft})
            assert response.status_code == status, (label, what, response.status_code)
            assert "Advice sent" not in response.text, (label, what)
        response = assessing.client.post(
            f"/api/cases/{other_ref}/advice/health/received",
            json={"received_on": TODAY.date().isoformat()},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401
    assert recorded(engine) == before  # no receipt, submission, document, chronology entry or email
    assert stored_files() == files_before
    assert sorted(pending.iterdir()) == parked_before  # nothing parked by a refusal, nothing discarded
    # The link still works for its own request, whatever ids ride along: the advice lands there alone.
    others_id = [other.id for other, _ in others.values()]
    done = assessing.client.post(
        f"{own}/confirm", data={"draft": own_draft, "a": others_id[1], "id": others_id[0]}
    )
    assert done.status_code == 200 and "Advice sent" in done.text
    after = recorded(engine)
    own_id = advice_of(engine, assessing.ref, "health").id
    assert [row[1] for row in after["submissions"]] == [own_id]
    assert {advice_id for advice_id, received in after["advice"] if received} == {own_id}
    assert advice_of(engine, assessing.ref, "health").received_on == TODAY.date()


# -- c: where an upload lands --------------------------------------------------------------

BOUNDARY = "isolation-7f3a91"
# Sent byte for byte as the filename parameter: a browser would escape some of these, an attacker need not.
HOSTILE_NAMES = {
    "climbs to /tmp": b"../../../../tmp/evil.pdf",
    "windows climb": b"..\\..\\evil.pdf",
    "absolute": b"/etc/evil.pdf",
    "NUL": b"../../evil\x00.pdf",
    "newline": b"../../evil\n/../evil.pdf",
    "300 characters climbing": b"../" * 60 + b"e" * 116 + b".pdf",
    "300 characters": b"e" * 296 + b".pdf",
    "only dots": b"..",
    "four dots": b"....",
    "one dot": b".",
    "a second filename": b'evil.pdf"; filename="../../../../tmp/evil.pdf',
}


def multipart(filename: bytes, content: bytes) -> tuple[bytes, dict[str, str]]:
    body = (
        f"--{BOUNDARY}\r\n".encode()
        + b'Content-Disposition: form-data; name="advice-file"; filename="'
        + filename
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_an_uploads_name_cannot_place_its_file_outside_the_document_store(assessing, council, tmp_path):
    store = get_settings().document_store
    outside = [
        Path("/tmp/evil.pdf"),
        Path("/etc/evil.pdf"),
        Path("/evil.pdf"),
        tmp_path.parent / "evil.pdf",
        tmp_path / "evil.pdf",
        store.parent / "evil.pdf",
        store / "evil.pdf",
    ]
    existed = {path for path in outside if path.exists()}
    keys = ["family", "setting", "health", "psychological", "social-care"]
    with Session(assessing.engine) as session:
        case = session.exec(select(Case)).one()
        for number in range(len(HOSTILE_NAMES) - len(keys)):
            key = f"upload-{number}"
            factories.request_advice(session, council, case, key=key, role="other", now=DECIDED)
            keys.append(key)
    sent = {}
    for (label, name), key in zip(HOSTILE_NAMES.items(), keys, strict=True):
        content = docx_bytes() if len(sent) % 3 == 0 else PDF  # Word files go out as email enclosures
        link = assessing.link(key)
        body, headers = multipart(name, content)
        check = assessing.client.post(link, content=body, headers=headers)
        assert check.status_code == 200 and "Check your answers" in check.text, (label, check.status_code)
        assert not any(part in check.text for part in ("../", "..\\", "/etc/", "/tmp/")), label
        done = assessing.client.post(f"{link}/confirm", data={"draft": draft_of(check.text)})
        assert done.status_code == 200 and "Advice sent" in done.text, (label, done.status_code)
        sent[key] = (label, content)

    # Nothing landed outside the store, and nothing in it leads out of it.
    root = store.resolve()
    for path in store.rglob("*"):
        assert not path.is_symlink() and path.resolve().is_relative_to(root), path
    assert [path for path in tmp_path.parent.rglob("*") if "evil" in path.name] == []
    assert {path for path in outside if path.exists()} == existed
    with Session(assessing.engine) as session:
        rows = session.exec(
            select(AdviceRequest.key, AdviceSubmission).join(
                AdviceSubmission, col(AdviceSubmission.advice_request_id) == col(AdviceRequest.id)
            )
        ).all()
        enclosures = separate_advice_files(session, case=session.exec(select(Case)).one())
    assert sorted(key for key, _ in rows) == sorted(sent)
    for key, submission in rows:
        label, content = sent[key]
        extension = "docx" if content != PDF else "pdf"
        # The file is named by the case and the advice request, never by the upload.
        stored = Path(submission.file_path)
        assert stored.parent == store / assessing.ref / "advice", label
        assert stored.name == f"{key}-{submission.file_sha256[:16]}.{extension}", label
        assert Path(submission.file_path).read_bytes() == content, label
        # The name kept (shown to staff, written in the plan) is a plain file name.
        assert re.fullmatch(r"[\w \-]{1,80}\.(pdf|docx)", submission.file_name), (label, submission.file_name)
        assert not submission.file_name.startswith((".", " ")), (label, submission.file_name)
    # The only name an adviser's file is sent under (the final plan's enclosures) is ours.
    assert enclosures and all(
        re.fullmatch(rf"{assessing.ref}-advice-[a-z0-9-]+\.docx", name) for name, _, _ in enclosures
    )
    pending = pending_dir(get_settings().var_dir)
    assert not pending.exists() or list(pending.iterdir()) == []


def test_an_upload_name_that_breaks_the_multipart_header_is_refused_and_nothing_is_kept(assessing):
    before = recorded(assessing.engine)
    body, headers = multipart(b"../../evil\r\n.pdf", PDF)
    response = assessing.client.post(assessing.link(), content=body, headers=headers)
    assert response.status_code == 400
    assert "evil" not in response.text
    pending = pending_dir(get_settings().var_dir)
    assert not pending.exists() or list(pending.iterdir()) == []
    assert recorded(assessing.engine) == before and stored_files() == []
