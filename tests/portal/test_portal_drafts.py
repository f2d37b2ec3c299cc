"""What comes back from the contributor is checked again, even when signed: a draft naming a
parked file outside `pending/`, an unknown section or a malformed shape, and a link naming an
impossible id, are refused with a 4xx that repeats none of it; nothing is read or stored.
A sent file's parked copy is deleted; a draft whose parked file has gone is refused, never
recorded without its file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer
from sqlmodel import Session, func, select

from ehcp.db.models import AdviceSubmission
from ehcp.portal.tokens import make_token
from ehcp.portal.uploads import pending_dir
from ehcp.settings import get_settings
from tests.portal.conftest import PDF, TODAY, pdf_bytes


def signed_draft(draft: object) -> str:
    """A draft signed as the server signs it (what a holder of the secret, or a bug, could send)."""
    secret = get_settings().secret_key.get_secret_value()
    return URLSafeSerializer(secret, salt="ehcp.portal.draft").dumps(draft)


def submissions(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AdviceSubmission)).one()


def stored_files() -> list[Path]:
    store = get_settings().document_store
    return [path for path in store.rglob("*") if path.is_file() and "advice" in path.parts]


def draft_of(page: str) -> str:
    return re.search(r'name="draft" value="([^"]+)"', page).group(1)


def test_a_draft_naming_a_parked_file_outside_pending_is_refused_and_nothing_is_read(assessing, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(PDF)  # a file that would pass every content check
    pending = pending_dir(get_settings().var_dir)
    pending.mkdir(parents=True, exist_ok=True)
    climb = "../" * (len(pending.parts) + 2)
    advice_id = assessing.advice().id
    for parked_id in [
        f"{climb}etc/passwd",
        "/etc/passwd",
        f"{climb}{str(outside).lstrip('/')}",
        str(outside),
        "../" + "a" * 32,
        "A" * 32,  # the random form is lower-case hex
        "a" * 31,
        "a" * 32 + "/",
        12345,
        ["a" * 32],
    ]:
        file = {"id": parked_id, "name": "advice.pdf", "type": "application/pdf", "bytes": 10}
        draft = signed_draft({"a": advice_id, "sections": {"C": "Text."}, "file": file})
        response = assessing.client.post(f"{assessing.link()}/confirm", data={"draft": draft})
        assert 400 <= response.status_code < 500, (parked_id, response.status_code)
        assert "passwd" not in response.text and "outside" not in response.text
    assert submissions(assessing.engine) == 0 and stored_files() == []
    assert assessing.advice().received_on is None


def test_a_draft_with_an_unknown_section_or_a_malformed_shape_is_refused_without_echo(assessing):
    advice_id = assessing.advice().id
    for draft in [
        {"a": advice_id, "sections": {"C": "Text.", "ZZ-unknown-7f3a": "Text."}, "file": None},
        {"a": advice_id, "sections": {"D": "Social care text."}, "file": None},  # not health's
        {"a": advice_id, "sections": ["C"], "file": None},
        {"a": advice_id, "sections": {"C": 12}, "file": None},
        {"a": advice_id, "sections": {"C": "x" * 20_001}, "file": None},
        {"a": advice_id, "sections": {"C": "Text."}, "file": "a" * 32},
        {"a": advice_id, "sections": {"C": "Text."}},
        {"a": advice_id},
        [advice_id],
        "ZZ-unknown-7f3a",
    ]:
        response = assessing.client.post(f"{assessing.link()}/confirm", data={"draft": signed_draft(draft)})
        assert 400 <= response.status_code < 500, (draft, response.status_code)
        assert "ZZ-unknown-7f3a" not in response.text
    assert submissions(assessing.engine) == 0 and assessing.advice().received_on is None


@pytest.mark.parametrize("advice_id", [10**30, 2**31, 2**63, -1, 0, "1", 1.0, True, None])
def test_a_signed_link_with_an_impossible_id_is_not_found(assessing, advice_id):
    secret = get_settings().secret_key.get_secret_value()
    token = make_token(advice_id, expires_on=date(2027, 1, 1), secret=secret)
    for response in (
        assessing.client.get(f"/portal/advice/{token}"),
        assessing.client.post(f"/portal/advice/{token}", data={"section-C": "Text."}),
        assessing.client.post(f"/portal/advice/{token}/confirm", data={"draft": "x"}),
    ):
        assert response.status_code == 404
        assert "This link is not valid" in response.text
        assert len(str(advice_id)) < 5 or str(advice_id) not in response.text
    assert submissions(assessing.engine) == 0


def test_the_parked_copy_is_deleted_when_the_advice_is_sent(assessing):
    pending = pending_dir(get_settings().var_dir)
    check = assessing.client.post(
        assessing.link(),
        data={"section-C": "Hearing loss."},
        files={"advice-file": ("report.pdf", PDF, "application/pdf")},
    )
    assert check.status_code == 200
    [parked] = list(pending.iterdir())
    assert re.fullmatch(r"[0-9a-f]{32}", parked.name)
    done = assessing.client.post(f"{assessing.link()}/confirm", data={"draft": draft_of(check.text)})
    assert done.status_code == 200 and "Advice sent" in done.text
    assert list(pending.iterdir()) == []
    [stored] = stored_files()
    assert stored.read_bytes() == PDF


def test_a_draft_whose_parked_file_has_gone_is_refused_not_recorded_without_it(assessing):
    pending = pending_dir(get_settings().var_dir)
    check = assessing.client.post(
        assessing.link(),
        data={"section-C": "Hearing loss."},
        files={"advice-file": ("report.pdf", PDF, "application/pdf")},
    )
    for parked in pending.iterdir():
        parked.unlink()  # the sweep removed it: over a day old
    response = assessing.client.post(f"{assessing.link()}/confirm", data={"draft": draft_of(check.text)})
    assert response.status_code == 400 and "upload it again" in response.text
    assert submissions(assessing.engine) == 0 and assessing.advice().received_on is None


@pytest.mark.parametrize("pasted", ["Hearing\u202e loss", "Hearing\u200b loss", "Hearing\x00loss"])
def test_advice_text_with_hidden_or_direction_changing_characters_is_refused_naming_the_section(
    assessing, pasted
):
    check = assessing.client.post(assessing.link(), data={"section-C": pasted})
    assert check.status_code == 400
    assert "Section C contains" in check.text and "remove it and try again" in check.text
    # Their text stays in the box to be mended (nothing typed is lost); it was not stored.
    assert submissions(assessing.engine) == 0


def test_advice_text_in_a_script_that_joins_letters_is_kept(assessing):
    check = assessing.client.post(assessing.link(), data={"section-C": "می\u200cخواهم"})
    assert check.status_code == 200, check.text


def test_two_submissions_racing_for_one_request_keep_the_winners_file_as_its_hash_records(
    assessing, council, monkeypatch
):
    """The loser read the request, and found no submission, before the winner committed;
    it then writes its own file and fails to commit. What is stored is the winner's file,
    as its recorded hash says, and the loser's is gone."""
    import hashlib

    from ehcp.db.engine import session_for
    from ehcp.db.models import AdviceRequest
    from ehcp.portal import submit
    from ehcp.portal.uploads import CheckedFile

    def send(session, advice, content: bytes) -> None:
        submit.record_submission(
            session,
            advice=advice,
            sections={"C": "Hearing loss."},
            file=CheckedFile("report.pdf", "application/pdf", content),
            via="portal",
            council=council,
            document_store=get_settings().document_store,
            now=TODAY,
            actor="contributor:health",
        )

    winner, loser = PDF, pdf_bytes(pages=2)
    advice_id = assessing.advice().id
    with session_for(assessing.engine) as losing, session_for(assessing.engine) as winning:
        stale = losing.get(AdviceRequest, advice_id)
        assert stale.received_on is None
        send(winning, winning.get(AdviceRequest, advice_id), winner)
        real_existing, checked = submit._existing, []

        def checked_before_the_winner_committed(session, advice):
            checked.append(advice.id)
            return None if len(checked) == 1 else real_existing(session, advice)

        monkeypatch.setattr(submit, "_existing", checked_before_the_winner_committed)
        with pytest.raises(submit.AlreadyReceived):
            send(losing, stale, loser)
    [stored] = stored_files()
    with Session(assessing.engine) as session:
        [row] = session.exec(select(AdviceSubmission)).all()
    assert stored == Path(row.file_path)
    assert stored.read_bytes() == winner
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == row.file_sha256
