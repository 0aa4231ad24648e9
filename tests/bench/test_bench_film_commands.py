"""How the /film benchmark splits autocomplete queries between the store and TMDB."""

from __future__ import annotations

from bench.bench_film_commands import plan_autocomplete


def plan(local: dict[str, int], typed: list[str], tmdb_typed: list[str]) -> dict[str, list[str]]:
    return plan_autocomplete(local, typed, tmdb_typed, samples=10, few=4, slow=2, warmup=1)


def test_the_store_phase_has_only_queries_with_five_local_matches_or_more():
    local = {"silent": 25, "sile": 5, "silnt harb": 4, "zz": 0}
    phases = plan(local, list(local), [])
    assert phases["warm_local"] + phases["autocomplete"] == ["silent", "sile"]


def test_tmdb_phases_mix_both_kinds_and_never_repeat_a_search_the_bot_may_have_cached():
    typed = ["Kana Ri", "kana  ri", "KANA RI", "Jin Seo", "Mi Ne", "Hye Eun", "Ko Shi", "Ru Ah"]
    tmdb_typed = ["Zorvex", "zorvex", "Brimoxa", "Quilthar", "Plevkrat"]
    local = {q: 0 for q in typed + tmdb_typed} | {"x": 0}  # "x": too short to ask TMDB
    phases = plan(local, [*typed, "x"], tmdb_typed)
    asked = (
        phases["warm_tmdb"] + phases["autocomplete_tmdb_cold"] + phases["autocomplete_tmdb_slow"]
    )
    keys = [" ".join(q.casefold().split()) for q in asked]
    assert len(keys) == len(set(keys)) == 1 + 4 + 2
    assert {"Kana Ri", "Zorvex"} <= set(asked) and "x" not in asked
    assert phases["autocomplete_tmdb_cached"] == phases["autocomplete_tmdb_cold"]
