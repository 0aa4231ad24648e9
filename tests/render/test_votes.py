"""Film-vote messages: titles stay plain, labels fit Discord, the result reads right."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.parties import Party
from bot.domain.votes import CLOSED, Choice, Closed, Vote
from bot.render import votes as view

CLOSES = datetime(2025, 5, 22, 11, 0, tzinfo=UTC)
START = datetime(2025, 5, 23, 11, 30, tzinfo=UTC)


def a_vote(*titles: str, winner: int | None = None) -> Vote:
    choices = tuple(Choice("", t) for t in titles)
    status = CLOSED if winner is not None else "open"
    return Vote(5, 3, 1, 2, 9, CLOSES, choices, status=status, winner=winner)


def closed(vote: Vote, counts: tuple[int, ...]) -> Closed:
    party = Party(3, 1, 2, 9, "", START, None, "UTC", "", (), film_title="Club Night")
    return Closed(vote, party, counts, tuple(range(sum(counts))))


def test_a_typed_title_on_the_vote_reads_as_typed_and_never_pings() -> None:
    embed = view.vote_card(a_vote("**Loud** @everyone", "Quiet"), [1, 0])
    assert "\\*\\*Loud\\*\\* @\u200beveryone · 1 vote" in (embed.description or "")


def test_a_button_label_fits_discords_eighty_characters() -> None:
    label = view.ballot_label(9, "x" * 100)
    assert len(label) == 80 and label.startswith("10. x")


def test_the_open_vote_shows_the_deadline_and_the_tie_rule() -> None:
    embed = view.vote_card(a_vote("A", "B"), [0, 0])
    assert (
        embed.fields[0].value
        == f"<t:{int(CLOSES.timestamp())}:R> (<t:{int(CLOSES.timestamp())}:F>)"
    )
    assert "A tie goes to the film offered first." in (embed.footer.text or "")


def test_a_tie_says_the_winner_was_offered_first() -> None:
    vote = a_vote("A", "B", winner=0)
    assert view.outcome(closed(vote, (2, 2))) == (
        "**A** won with 2 votes (a tie: it was offered first). It's the party's film now."
    )


def test_no_votes_say_the_current_film_stays() -> None:
    text = view.outcome(closed(a_vote("A", "B"), (0, 0)), "Club Night")
    assert text == "Nobody voted, so the party's **Club Night** stays."


def test_a_late_result_says_it_is_late() -> None:
    text = view.result_notice(closed(a_vote("A", "B", winner=1), (0, 1)), "B", late=True)
    assert text.startswith("🗳️ The film vote for watch party #3 has closed. **B** won")
    assert "Sent late" in text
